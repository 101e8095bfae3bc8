package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/ratelimit"
)

func TestRateLimits(t *testing.T) {
	t.Parallel()
	c, err := Load(ModeDev, env(nil))
	require.NoError(t, err)
	require.Equal(t, []ratelimit.Limit{ratelimit.Per(3, 2*time.Minute), ratelimit.Per(10, time.Hour)}, c.PhonePromptLimits)
	require.Equal(t, []ratelimit.Limit{{Rate: 5, Burst: 10}}, c.StoreDarajaLimits)

	c, err = Load(ModeDev, env(map[string]string{"SOKOHUB_PHONE_PROMPT_LIMITS": "off", "SOKOHUB_STORE_DARAJA_LIMITS": "5/1m"}))
	require.NoError(t, err)
	require.Empty(t, c.PhonePromptLimits)
	require.Equal(t, []ratelimit.Limit{ratelimit.Per(5, time.Minute)}, c.StoreDarajaLimits)

	for _, name := range []string{"SOKOHUB_PHONE_PROMPT_LIMITS", "SOKOHUB_STORE_DARAJA_LIMITS"} {
		_, err = Load(ModeDev, env(map[string]string{name: "lots"}))
		require.ErrorContains(t, err, name)
	}
}
