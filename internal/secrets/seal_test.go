package secrets

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSealOpen(t *testing.T) {
	t.Parallel()

	type testBundle struct {
		keyring *Keyring
		aad     []byte
	}
	setup := func(t *testing.T) *testBundle {
		t.Helper()
		k, err := NewKeyring(testKey(1))
		require.NoError(t, err)
		return &testBundle{keyring: k, aad: []byte("store:42:passkey")}
	}

	t.Run("RoundTrips", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		for _, pt := range [][]byte{[]byte("bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"), {}, make([]byte, 1<<16)} {
			sealed, err := b.keyring.Seal(pt, b.aad)
			require.NoError(t, err)
			got, err := b.keyring.Open(sealed, b.aad)
			require.NoError(t, err)
			require.Equal(t, len(pt), len(got))
			require.Equal(t, string(pt), string(got))
		}
	})

	t.Run("IsPrintableAndVersioned", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		sealed, err := b.keyring.Seal([]byte("secret"), b.aad)
		require.NoError(t, err)
		parts := strings.Split(sealed, ".")
		require.Len(t, parts, 4)
		require.Equal(t, "v1", parts[0])
		require.Equal(t, b.keyring.KeyID(), parts[1])
		wrapped, err := base64.RawURLEncoding.DecodeString(parts[2])
		require.NoError(t, err)
		require.Len(t, wrapped, 12+32+16, "nonce + data key + tag")
		ct, err := base64.RawURLEncoding.DecodeString(parts[3])
		require.NoError(t, err)
		require.Len(t, ct, 12+len("secret")+16, "nonce + ciphertext + tag")
		require.NotContains(t, sealed, "secret")
		for _, c := range sealed {
			require.True(t, c > ' ' && c < 0x7f, "non-printable %q", c)
		}
	})

	t.Run("DiffersEveryTime", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		a, err := b.keyring.Seal([]byte("same"), b.aad)
		require.NoError(t, err)
		c, err := b.keyring.Seal([]byte("same"), b.aad)
		require.NoError(t, err)
		require.NotEqual(t, a, c)
		pa, pc := strings.Split(a, "."), strings.Split(c, ".")
		require.NotEqual(t, pa[2], pc[2], "fresh data key and nonce")
		require.NotEqual(t, pa[3], pc[3])
	})

	t.Run("WrongAADFails", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		sealed, err := b.keyring.Seal([]byte("secret"), b.aad)
		require.NoError(t, err)
		for _, aad := range [][]byte{[]byte("store:43:passkey"), []byte("store:42:consumer_secret"), nil} {
			got, err := b.keyring.Open(sealed, aad)
			require.ErrorIs(t, err, ErrCorrupt)
			require.Nil(t, got)
		}
	})

	t.Run("TamperFails", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		sealed, err := b.keyring.Seal([]byte("secret"), b.aad)
		require.NoError(t, err)
		parts := strings.Split(sealed, ".")

		// Flip one bit in every byte of both binary fields in turn.
		for field := 2; field <= 3; field++ {
			raw, err := base64.RawURLEncoding.DecodeString(parts[field])
			require.NoError(t, err)
			for i := range raw {
				mod := append([]byte(nil), raw...)
				mod[i] ^= 0x01
				p := append([]string(nil), parts...)
				p[field] = base64.RawURLEncoding.EncodeToString(mod)
				_, err := b.keyring.Open(strings.Join(p, "."), b.aad)
				require.ErrorIs(t, err, ErrCorrupt, "field %d byte %d", field, i)
			}
		}

		// Swapping the data key of one value into another must fail too.
		other, err := b.keyring.Seal([]byte("secret"), b.aad)
		require.NoError(t, err)
		op := strings.Split(other, ".")
		_, err = b.keyring.Open(strings.Join([]string{parts[0], parts[1], op[2], parts[3]}, "."), b.aad)
		require.ErrorIs(t, err, ErrCorrupt)
	})

	t.Run("MalformedFails", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		sealed, err := b.keyring.Seal([]byte("secret"), b.aad)
		require.NoError(t, err)
		parts := strings.Split(sealed, ".")
		for _, s := range []string{
			"",
			"secret",
			"v1." + parts[1],
			sealed + ".extra",
			"v2." + strings.Join(parts[1:], "."),
			"v1." + parts[1] + ".!!!." + parts[3],
			"v1." + parts[1] + ".." + parts[3],
			"v1." + parts[1] + "." + parts[2] + "." + parts[3][:5],
		} {
			_, err := b.keyring.Open(s, b.aad)
			require.ErrorIs(t, err, ErrCorrupt, "%q", s)
		}
	})

	t.Run("OldKeyStillOpens", func(t *testing.T) {
		t.Parallel()
		before, err := NewKeyring(testKey(1))
		require.NoError(t, err)
		sealed, err := before.Seal([]byte("secret"), []byte("aad"))
		require.NoError(t, err)

		after, err := NewKeyring(testKey(2), testKey(1))
		require.NoError(t, err)
		require.NotEqual(t, before.KeyID(), after.KeyID())

		got, err := after.Open(sealed, []byte("aad"))
		require.NoError(t, err)
		require.Equal(t, []byte("secret"), got)

		resealed, err := after.Seal(got, []byte("aad"))
		require.NoError(t, err)
		require.Equal(t, after.KeyID(), KeyIDOf(resealed), "new values use the current key")
		require.Equal(t, before.KeyID(), KeyIDOf(sealed))
	})

	t.Run("UnknownKeyID", func(t *testing.T) {
		t.Parallel()
		old, err := NewKeyring(testKey(1))
		require.NoError(t, err)
		sealed, err := old.Seal([]byte("secret"), nil)
		require.NoError(t, err)

		k, err := NewKeyring(testKey(2))
		require.NoError(t, err)
		_, err = k.Open(sealed, nil)
		require.ErrorIs(t, err, ErrUnknownKey)
		require.NotErrorIs(t, err, ErrCorrupt)
		require.Contains(t, err.Error(), old.KeyID())
	})

	t.Run("ErrorsCarryNoSecretBytes", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		sealed, err := b.keyring.Seal([]byte("TOPSECRET"), b.aad)
		require.NoError(t, err)
		parts := strings.Split(sealed, ".")
		for _, s := range []string{sealed, sealed[:len(sealed)-2], "v1." + parts[1] + ".TOPSECRET." + parts[3]} {
			_, err := b.keyring.Open(s, []byte("other"))
			require.Error(t, err)
			require.NotContains(t, err.Error(), "TOPSECRET")
			require.NotContains(t, err.Error(), parts[2])
			require.NotContains(t, err.Error(), parts[3][:8])
		}
	})

	t.Run("ZeroKeyringDoesNotPanic", func(t *testing.T) {
		t.Parallel()
		var k *Keyring
		_, err := k.Seal([]byte("x"), nil)
		require.Error(t, err)
		_, err = k.Open("v1.00000000.AA.AA", nil)
		require.Error(t, err)
		_, err = new(Keyring).Seal([]byte("x"), nil)
		require.Error(t, err)
	})
}

func TestKeyIDOf(t *testing.T) {
	t.Parallel()
	k, err := NewKeyring(testKey(3))
	require.NoError(t, err)
	sealed, err := k.Seal([]byte("x"), nil)
	require.NoError(t, err)
	require.Equal(t, k.KeyID(), KeyIDOf(sealed))
	for _, s := range []string{"", "plain", "v2." + strings.SplitN(sealed, ".", 2)[1], "v1.XYZ.a.b", "v1.ABCDEF12.a.b"} {
		require.Empty(t, KeyIDOf(s), "%q", s)
	}
}
