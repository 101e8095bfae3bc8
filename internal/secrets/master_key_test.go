package secrets

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseMasterKey(t *testing.T) {
	t.Parallel()

	raw := []byte("0123456789abcdef0123456789ABCDEF\xff\xfe")[:32]
	raw[0], raw[1] = 0xfb, 0xff // force '+' '/' vs '-' '_' to differ between alphabets

	for name, in := range map[string]string{
		"Std":          base64.StdEncoding.EncodeToString(raw),
		"RawStd":       base64.RawStdEncoding.EncodeToString(raw),
		"URL":          base64.URLEncoding.EncodeToString(raw),
		"RawURL":       base64.RawURLEncoding.EncodeToString(raw),
		"TrailingLine": base64.StdEncoding.EncodeToString(raw) + "\n",
	} {
		t.Run("Accepts"+name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseMasterKey(in)
			require.NoError(t, err)
			require.Equal(t, raw, got)
		})
	}

	for name, in := range map[string]string{
		"Empty":    "",
		"Short":    base64.StdEncoding.EncodeToString(raw[:31]),
		"Long":     base64.StdEncoding.EncodeToString(append(raw, 1)),
		"NotB64":   "this is not base64 at all, it is a passphrase!!",
		"Hex":      strings.Repeat("ab", 32), // 64 hex chars decode as base64 to 48 bytes
		"Injected": "sk_live_SECRETVALUE$$$",
	} {
		t.Run("Rejects"+name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseMasterKey(in)
			require.ErrorIs(t, err, ErrInvalidMasterKey)
			if in != "" {
				require.NotContains(t, err.Error(), in, "error must not echo the key")
				require.NotContains(t, err.Error(), "SECRET")
			}
		})
	}
}

func TestGenerateMasterKey(t *testing.T) {
	t.Parallel()

	a, err := GenerateMasterKey()
	require.NoError(t, err)
	b, err := GenerateMasterKey()
	require.NoError(t, err)
	require.NotEqual(t, a, b)

	key, err := ParseMasterKey(a)
	require.NoError(t, err)
	require.Len(t, key, MasterKeySize)
	_, err = NewKeyring(key)
	require.NoError(t, err)
}
