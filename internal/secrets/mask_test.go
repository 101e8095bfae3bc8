package secrets

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMask(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                 "",
		"a":                "••••",
		"abcd":             "••••",
		"abcde":            "••••bcde",
		"sk_live_12345678": "••••5678",
		"pässwörd€€€":      "••••d€€€", // multi-byte runes are kept whole
		"€€€€":             "••••",
	} {
		require.Equal(t, want, Mask(in), "Mask(%q)", in)
	}
}
