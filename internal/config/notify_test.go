package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLoadNotify(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}

	n, err := loadNotify(ModeDev, env())
	require.NoError(t, err)
	require.Equal(t, ProviderLog, n.SMSProvider, "dev defaults to the log provider")
	require.Empty(t, n.SMTPAddr)
	require.True(t, n.SMTPStartTLS)

	n, err = loadNotify(ModeProduction, env("SOKOHUB_SMS_PROVIDER", "africastalking", "SOKOHUB_SMS_USERNAME", "soko",
		"SOKOHUB_SMS_API_KEY", "k", "SOKOHUB_SMS_SENDER", "SOKOHUB", "SOKOHUB_SMTP_ADDR", "smtp.example.com:587",
		"SOKOHUB_SMTP_FROM", "orders@sokohub.example", "SOKOHUB_SMTP_USERNAME", "u", "SOKOHUB_SMTP_PASSWORD", "p"))
	require.NoError(t, err)
	require.Equal(t, "https://api.africastalking.com", n.SMSURL)

	for name, bad := range map[string][]string{
		"unknown provider":     {"SOKOHUB_SMS_PROVIDER", "twilio"},
		"AT without key":       {"SOKOHUB_SMS_PROVIDER", "africastalking", "SOKOHUB_SMS_USERNAME", "soko"},
		"AT over http in prod": {"SOKOHUB_SMS_PROVIDER", "africastalking", "SOKOHUB_SMS_USERNAME", "soko", "SOKOHUB_SMS_API_KEY", "k", "SOKOHUB_SMS_URL", "http://127.0.0.1:9"},
		"sender id too long":   {"SOKOHUB_SMS_PROVIDER", "africastalking", "SOKOHUB_SMS_USERNAME", "soko", "SOKOHUB_SMS_API_KEY", "k", "SOKOHUB_SMS_SENDER", "SOKOHUBPLATFORM"},
		"SMTP without port":    {"SOKOHUB_SMTP_ADDR", "smtp.example.com", "SOKOHUB_SMTP_FROM", "a@b.example"},
		"SMTP without from":    {"SOKOHUB_SMTP_ADDR", "smtp.example.com:587"},
		"SMTP half auth":       {"SOKOHUB_SMTP_ADDR", "smtp.example.com:587", "SOKOHUB_SMTP_FROM", "a@b.example", "SOKOHUB_SMTP_USERNAME", "u"},
		"SMTP clear in prod":   {"SOKOHUB_SMTP_ADDR", "smtp.example.com:587", "SOKOHUB_SMTP_FROM", "a@b.example", "SOKOHUB_SMTP_STARTTLS", "false"},
		"STARTTLS typo":        {"SOKOHUB_SMTP_STARTTLS", "maybe"},
	} {
		_, err := loadNotify(ModeProduction, env(bad...))
		require.Error(t, err, name)
		require.Contains(t, err.Error(), "SOKOHUB_S", name)
	}

	n, err = loadNotify(ModeDev, env("SOKOHUB_SMS_PROVIDER", "africastalking", "SOKOHUB_SMS_USERNAME", "sandbox",
		"SOKOHUB_SMS_API_KEY", "k", "SOKOHUB_SMS_URL", "http://127.0.0.1:9/", "SOKOHUB_SMTP_ADDR", "127.0.0.1:2525",
		"SOKOHUB_SMTP_FROM", "dev@sokohub.test", "SOKOHUB_SMTP_STARTTLS", "false"))
	require.NoError(t, err, "dev may use local fakes in clear")
	require.Equal(t, "http://127.0.0.1:9", n.SMSURL)
	require.False(t, n.SMTPStartTLS)
}
