package mpesa

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// paybillCreds and tillCreds are valid credentials for tests.
func paybillCreds() Credentials {
	return Credentials{
		Environment: EnvSandbox, Type: TypePaybill, Shortcode: sandboxShortcode,
		Passkey: sandboxPasskey, ConsumerKey: "key-paybill", ConsumerSecret: "secret-paybill",
	}
}

func tillCreds() Credentials {
	return Credentials{
		Environment: EnvProduction, Type: TypeTill, Shortcode: "7654321", TillNumber: "123456",
		Passkey: "till-passkey", ConsumerKey: "key-till", ConsumerSecret: "secret-till",
	}
}

func TestCredentialsValidate(t *testing.T) {
	t.Parallel()
	require.NoError(t, paybillCreds().Validate())
	require.NoError(t, tillCreds().Validate())

	for _, tc := range []struct {
		name   string
		mutate func(*Credentials)
		field  string
	}{
		{"UnknownEnvironment", func(c *Credentials) { c.Environment = "live" }, "Environment"},
		{"UnknownType", func(c *Credentials) { c.Type = "buygoods" }, "Type"},
		{"ShortcodeTooShort", func(c *Credentials) { c.Shortcode = "1234" }, "Shortcode"},
		{"ShortcodeTooLong", func(c *Credentials) { c.Shortcode = "12345678" }, "Shortcode"},
		{"ShortcodeLetters", func(c *Credentials) { c.Shortcode = "17437a" }, "Shortcode"},
		{"TillWithoutNumber", func(c *Credentials) { c.Type = TypeTill }, "TillNumber"},
		{"TillNumberBad", func(c *Credentials) { c.Type, c.TillNumber = TypeTill, "12 345" }, "TillNumber"},
		{"NoPasskey", func(c *Credentials) { c.Passkey = "" }, "Passkey"},
		{"NoKey", func(c *Credentials) { c.ConsumerKey = "" }, "ConsumerKey"},
		{"NoSecret", func(c *Credentials) { c.ConsumerSecret = "" }, "ConsumerSecret"},
		{"SecretWithNewline", func(c *Credentials) { c.ConsumerSecret = "s3cr3t\n" }, "ConsumerSecret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := paybillCreds()
			c.Passkey, c.ConsumerSecret = "pk-DO-NOT-LEAK", "sec-DO-NOT-LEAK"
			tc.mutate(&c)
			err := c.Validate()
			require.ErrorIs(t, err, ErrConfig)
			var ce *ConfigError
			require.True(t, errors.As(err, &ce))
			require.Equal(t, tc.field, ce.Field)
			require.NotContains(t, err.Error(), "DO-NOT-LEAK")
		})
	}

	t.Run("ReportsEveryProblem", func(t *testing.T) {
		t.Parallel()
		err := Credentials{}.Validate()
		// Each by the name the merchant sees on the form.
		for _, f := range []string{"environment", "paybill or a till", "shortcode", "passkey", "consumer key", "consumer secret"} {
			require.Contains(t, err.Error(), f)
		}
	})
}

func TestCredentialsParties(t *testing.T) {
	t.Parallel()
	p, tl := paybillCreds(), tillCreds()
	require.Equal(t, "CustomerPayBillOnline", p.TransactionType())
	require.Equal(t, "174379", p.PartyB())
	require.Equal(t, "CustomerBuyGoodsOnline", tl.TransactionType())
	require.Equal(t, "123456", tl.PartyB())
	require.Empty(t, Credentials{Type: "x"}.TransactionType())
}

func TestCredentialsCacheKey(t *testing.T) {
	t.Parallel()
	a := paybillCreds()
	key := a.CacheKey()
	require.Len(t, key, 64)
	require.Equal(t, key, a.CacheKey(), "stable")
	require.NotContains(t, key, a.ConsumerKey)
	require.NotContains(t, key, a.ConsumerSecret)

	b := a
	b.Passkey, b.Shortcode = "other", "600000" // same app, other shortcode: same token
	require.Equal(t, key, b.CacheKey())

	for _, mutate := range []func(*Credentials){
		func(c *Credentials) { c.ConsumerSecret = "rotated" },
		func(c *Credentials) { c.ConsumerKey = "other-app" },
		func(c *Credentials) { c.Environment = EnvProduction },
		// The separator keeps key/secret boundaries apart.
		func(c *Credentials) { c.ConsumerKey, c.ConsumerSecret = "key-paybillsecret", "-paybill" },
	} {
		c := a
		mutate(&c)
		require.NotEqual(t, key, c.CacheKey())
	}
}
