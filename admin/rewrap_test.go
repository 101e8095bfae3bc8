package admin_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/admin"
	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/db/dbtest"
	"github.com/sokohub/sokohub/internal/devstack"
	"github.com/sokohub/sokohub/internal/mpesa"
	"github.com/sokohub/sokohub/internal/secrets"
	"github.com/sokohub/sokohub/internal/webhooks"
	"github.com/sokohub/sokohub/tenants/stores"
)

func keyring(t *testing.T, keys ...string) *secrets.Keyring {
	t.Helper()
	var raw [][]byte
	for _, k := range keys {
		b, err := secrets.ParseMasterKey(k)
		require.NoError(t, err)
		raw = append(raw, b)
	}
	kr, err := secrets.NewKeyring(raw[0], raw[1:]...)
	require.NoError(t, err)
	return kr
}

// TestRewrapMovesEverySecretToTheNewKey: a dry run changes nothing; the
// rewrap leaves every value under the new key, opened by the owning
// packages with the new key alone; a second run finds nothing to do.
func TestRewrapMovesEverySecretToTheNewKey(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t)
	oldKey, err := secrets.GenerateMasterKey()
	require.NoError(t, err)
	newKey, err := secrets.GenerateMasterKey()
	require.NoError(t, err)
	old := keyring(t, oldKey)

	u, err := auth.NewService(d).CreateUser(ctx, "rotate@example.com", "correct horse", "Rotate")
	require.NoError(t, err)
	st, err := stores.Create(ctx, d, u.ID, "rotate", "Rotate")
	require.NoError(t, err)
	creds := mpesa.Credentials{Environment: "sandbox", Type: "paybill", Shortcode: "174379", Passkey: devstack.SandboxPasskey,
		ConsumerKey: "sim-consumer-key", ConsumerSecret: "sim-consumer-secret"}
	_, err = stores.NewVault(old).Save(ctx, d, st.ID, creds)
	require.NoError(t, err)
	ep, _, err := webhooks.NewEndpoints(old, false).Create(ctx, d, st.ID, "http://127.0.0.1:9/hook", []string{"order.paid"})
	require.NoError(t, err)

	both := keyring(t, newKey, oldKey)
	dry, err := admin.Rewrap(ctx, d, both, true)
	require.NoError(t, err)
	require.Equal(t, admin.RewrapReport{Values: 4, Rewrapped: 4}, dry)
	_, err = stores.NewVault(keyring(t, newKey)).Credentials(ctx, d, st.ID)
	require.ErrorIs(t, err, secrets.ErrUnknownKey, "the dry run wrote nothing")

	r, err := admin.Rewrap(ctx, d, both, false)
	require.NoError(t, err)
	require.Equal(t, admin.RewrapReport{Values: 4, Rewrapped: 4}, r)
	got, err := stores.NewVault(keyring(t, newKey)).Credentials(ctx, d, st.ID)
	require.NoError(t, err)
	require.Equal(t, creds, got, "the owning package opens them with the new key alone")
	var sealed string
	require.NoError(t, d.NewSelect().Table("webhook_endpoints").Column("secret_sealed").Where("id = ?", ep.ID).Scan(ctx, &sealed))
	require.Equal(t, both.KeyID(), secrets.KeyIDOf(sealed))

	again, err := admin.Rewrap(ctx, d, both, false)
	require.NoError(t, err)
	require.Equal(t, admin.RewrapReport{Values: 4, Current: 4}, again)
}
