package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRuntimeDefaultsAndOverrides(t *testing.T) {
	t.Parallel()
	c, err := Load(ModeDev, env(nil))
	require.NoError(t, err)
	require.Equal(t, 20, c.DBPool.MaxConns)
	require.Equal(t, 20*time.Second, c.ShutdownGrace)
	require.Zero(t, c.DrainDelay)
	require.Equal(t, 30*time.Second, c.SweepInterval)
	require.Equal(t, 64, c.WorkerConcurrency)
	require.Empty(t, c.OpsAddr)

	c, err = Load(ModeDev, env(map[string]string{"SOKOHUB_DB_MAX_CONNS": "7", "SOKOHUB_DB_STATEMENT_TIMEOUT": "15s",
		"SOKOHUB_REDIS_CLUSTER_ADDRS": "r1:6379, r2:6379,", "SOKOHUB_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7",
		"SOKOHUB_SHUTDOWN_GRACE": "5s", "SOKOHUB_OPS_ADDR": "0.0.0.0:9090"}))
	require.NoError(t, err)
	require.Equal(t, 7, c.DBPool.MaxConns)
	require.Equal(t, 15*time.Second, c.DBPool.StatementTimeout)
	require.Equal(t, []string{"r1:6379", "r2:6379"}, c.RedisClusterAddrs)
	require.Equal(t, []string{"10.0.0.0/8", "192.0.2.7"}, c.TrustedProxies)
	require.Equal(t, 5*time.Second, c.ShutdownGrace)
	require.Equal(t, "0.0.0.0:9090", c.OpsAddr)
}

func TestRuntimeErrorsNameTheVariable(t *testing.T) {
	t.Parallel()
	for name, bad := range map[string]string{
		"SOKOHUB_DB_MAX_CONNS":       "0",
		"SOKOHUB_DB_MAX_IDLE_CONNS":  "many",
		"SOKOHUB_SHUTDOWN_GRACE":     "20",
		"SOKOHUB_SWEEP_INTERVAL":     "100ms",
		"SOKOHUB_TRUSTED_PROXIES":    "nginx",
		"SOKOHUB_WORKER_CONCURRENCY": "-1",
	} {
		_, err := Load(ModeDev, env(map[string]string{name: bad}))
		require.ErrorContains(t, err, name, "%s=%q", name, bad)
	}
}

func TestProductionAcceptsARedisClusterInsteadOfAURL(t *testing.T) {
	t.Parallel()
	prod := map[string]string{"SOKOHUB_DATABASE_URL": "postgres://db/x", "SOKOHUB_REDIS_CLUSTER_ADDRS": "r1:6379,r2:6379",
		"SOKOHUB_PUBLIC_URL": "https://pay.example", "SOKOHUB_DARAJA_URL": "https://api.safaricom.co.ke",
		"SOKOHUB_MASTER_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}
	_, err := Load(ModeProduction, env(prod))
	require.NoError(t, err)
	delete(prod, "SOKOHUB_REDIS_CLUSTER_ADDRS")
	_, err = Load(ModeProduction, env(prod))
	require.ErrorContains(t, err, "SOKOHUB_REDIS_URL")
}

func TestModeFrom(t *testing.T) {
	t.Parallel()
	m, err := ModeFrom(env(nil), ModeProduction)
	require.NoError(t, err)
	require.Equal(t, ModeProduction, m)
	m, err = ModeFrom(env(map[string]string{"SOKOHUB_MODE": "dev"}), ModeProduction)
	require.NoError(t, err)
	require.Equal(t, ModeDev, m)
	_, err = ModeFrom(env(map[string]string{"SOKOHUB_MODE": "staging"}), ModeProduction)
	require.ErrorContains(t, err, "SOKOHUB_MODE")
}

// TestVariablesListsWhatLoadReads: the list comes from Load itself, in
// every mode, including variables read only in one mode or late in Load.
func TestVariablesListsWhatLoadReads(t *testing.T) {
	t.Parallel()
	vars := Variables()
	for _, v := range []string{"SOKOHUB_MODE", "SOKOHUB_DATABASE_URL", "SOKOHUB_ADMIN_EMAIL", "SOKOHUB_MASTER_KEY",
		"SOKOHUB_OLD_MASTER_KEYS", "SOKOHUB_SMTP_FROM", "SOKOHUB_CALLBACK_ENFORCE", "SOKOHUB_DB_MAX_CONNS",
		"SOKOHUB_REDIS_CLUSTER_ADDRS", "SOKOHUB_OPS_ADDR", "SOKOHUB_SIM_DELAY"} {
		require.Contains(t, vars, v)
	}
	require.IsNonDecreasing(t, vars)
	require.NotContains(t, vars, "SOKOHUB_DATABASE_URLX")
}
