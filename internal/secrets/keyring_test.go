package secrets

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// testKey returns a deterministic 32-byte key, so failures are reproducible.
func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, MasterKeySize) }

func TestNewKeyring(t *testing.T) {
	t.Parallel()

	t.Run("KeyIDIsPrefixOfDomainSeparatedHash", func(t *testing.T) {
		t.Parallel()
		key := testKey(1)
		k, err := NewKeyring(key)
		require.NoError(t, err)
		sum := sha256.Sum256([]byte("sokohub-kek-id:" + string(key)))
		require.Equal(t, hex.EncodeToString(sum[:])[:8], k.KeyID())
	})

	t.Run("RejectsWrongLengths", func(t *testing.T) {
		t.Parallel()
		_, err := NewKeyring(make([]byte, 31))
		require.ErrorIs(t, err, ErrInvalidMasterKey)
		_, err = NewKeyring(testKey(1), make([]byte, 16))
		require.ErrorIs(t, err, ErrInvalidMasterKey)
	})

	t.Run("IgnoresCurrentKeyListedAsOld", func(t *testing.T) {
		t.Parallel()
		k, err := NewKeyring(testKey(1), testKey(1), testKey(2))
		require.NoError(t, err)
		require.Len(t, k.keks, 2)
	})

	t.Run("CopiesNothingCallerCanMutate", func(t *testing.T) {
		t.Parallel()
		key := testKey(1)
		k, err := NewKeyring(key)
		require.NoError(t, err)
		sealed, err := k.Seal([]byte("x"), nil)
		require.NoError(t, err)
		clear(key) // a caller wiping its copy must not break the keyring
		got, err := k.Open(sealed, nil)
		require.NoError(t, err)
		require.Equal(t, []byte("x"), got)
	})

	t.Run("FormattingHidesKeys", func(t *testing.T) {
		t.Parallel()
		k, err := NewKeyring(testKey(0xAB))
		require.NoError(t, err)
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			out := fmt.Sprintf(verb, k)
			require.Contains(t, out, k.KeyID())
			require.NotContains(t, out, "ab ab")
			require.NotContains(t, out, "abab")
			require.NotContains(t, out, "171") // 0xAB as a decimal byte
		}
	})
}
