package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDevDefaultsNeedNothing(t *testing.T) {
	t.Parallel()
	c, err := Load(ModeDev, env(nil))
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:8080", c.HTTPAddr)
	require.Equal(t, "sqlite:data/sokohub.db", c.DatabaseURL)
	require.Equal(t, "http://127.0.0.1:8080/daraja", c.DarajaURL)
	require.Empty(t, c.RedisURL, "embedded Redis")
	require.Empty(t, c.Callbacks.Allow, "dev checks no callback source")
	require.Equal(t, 90*time.Second, c.SimLateCallback)
	c, err = Load(ModeDev, env(map[string]string{"SOKOHUB_SIM_LATE_CALLBACK": "3s"}))
	require.NoError(t, err)
	require.Equal(t, 3*time.Second, c.SimLateCallback)
}

func TestBadConfigurationNamesTheVariable(t *testing.T) {
	t.Parallel()
	prod := map[string]string{"SOKOHUB_DATABASE_URL": "postgres://db/x", "SOKOHUB_REDIS_URL": "redis://r:6379/0",
		"SOKOHUB_PUBLIC_URL": "https://pay.example", "SOKOHUB_DARAJA_URL": "https://api.safaricom.co.ke",
		"SOKOHUB_MASTER_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}
	_, err := Load(ModeProduction, env(prod))
	require.NoError(t, err)
	for name, bad := range map[string]string{
		"SOKOHUB_DATABASE_URL":       "mysql://x",
		"SOKOHUB_REDIS_URL":          "",
		"SOKOHUB_PUBLIC_URL":         "http://pay.example",
		"SOKOHUB_MASTER_KEY":         "c2hvcnQ=",
		"SOKOHUB_SIM_DELAY":          "soon",
		"SOKOHUB_SIM_LATE_CALLBACK":  "0s",
		"SOKOHUB_CALLBACK_ALLOWLIST": "not-an-ip",
		"SOKOHUB_CALLBACK_ENFORCE":   "yes",
	} {
		m := map[string]string{}
		for k, v := range prod {
			m[k] = v
		}
		m[name] = bad
		_, err := Load(ModeProduction, env(m))
		require.ErrorContains(t, err, name, "%s=%q", name, bad)
		require.NotContains(t, err.Error(), "c2hvcnQ", "errors never echo the key")
	}
}

func TestCallbackSources(t *testing.T) {
	t.Parallel()
	c, err := Load(ModeDev, env(map[string]string{"SOKOHUB_CALLBACK_ALLOWLIST": "196.201.214.200, 10.0.0.0/8", "SOKOHUB_CALLBACK_ENFORCE": "true"}))
	require.NoError(t, err)
	require.True(t, c.Callbacks.Enforce)
	require.True(t, c.Callbacks.Allowed("196.201.214.200"))
	require.True(t, c.Callbacks.Allowed("10.1.2.3"))
	require.True(t, c.Callbacks.Allowed("::ffff:196.201.214.200"))
	require.False(t, c.Callbacks.Allowed("196.201.214.201"))
	require.False(t, c.Callbacks.Allowed("garbage"))
	p, err := Load(ModeProduction, env(map[string]string{"SOKOHUB_DATABASE_URL": "postgres://db/x", "SOKOHUB_REDIS_URL": "redis://r",
		"SOKOHUB_PUBLIC_URL": "https://pay.example", "SOKOHUB_DARAJA_URL": "https://api.safaricom.co.ke",
		"SOKOHUB_MASTER_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}))
	require.NoError(t, err)
	require.Len(t, p.Callbacks.Allow, 12, "production logs callbacks from outside Safaricom's list")
	require.False(t, p.Callbacks.Enforce, "but does not refuse them by default")
}
