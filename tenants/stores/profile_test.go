package stores_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/db/dbtest"
	"github.com/sokohub/sokohub/internal/input"
	"github.com/sokohub/sokohub/tenants/stores"
)

func TestProfileAndPrefs(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	ctx := context.Background()
	u, _, err := auth.NewService(d).WithCost(bcrypt.MinCost).Signup(ctx, "o@example.com", "password-1", "Owner")
	require.NoError(t, err)
	st, err := stores.Create(ctx, d, u.ID, "duka", "Duka")
	require.NoError(t, err)
	require.Equal(t, stores.NotificationPrefs{PaidEmail: true}, st.Prefs(), "new stores email the owner")

	got, err := stores.UpdateProfile(ctx, d, st.ID, stores.Profile{Name: " Duka Bora ", Tagline: "Fresh", BrandColor: "#0B6E3A",
		AccentColor: "#f5b700", Logo: "img-0123abcd"})
	require.NoError(t, err)
	require.Equal(t, "Duka Bora", got.Name)
	require.Equal(t, "#0b6e3a", got.BrandColor)
	require.Equal(t, "img-0123abcd", got.Logo)
	for field, p := range map[string]stores.Profile{
		"name":        {Name: ""},
		"brand_color": {Name: "x", BrandColor: "red"},
		"logo":        {Name: "x", Logo: "../../etc/passwd"},
	} {
		_, err := stores.UpdateProfile(ctx, d, st.ID, p)
		ie, ok := input.As(err)
		require.True(t, ok, field)
		require.Equal(t, field, ie.Field)
	}

	prefs, err := stores.UpdatePrefs(ctx, d, st.ID, stores.NotificationPrefs{Phone: "0712 345 678", PaidSMS: true})
	require.NoError(t, err)
	require.Equal(t, "254712345678", prefs.Phone)
	reread, err := stores.BySlug(ctx, d, "duka")
	require.NoError(t, err)
	require.Equal(t, prefs, reread.Prefs())
	_, err = stores.UpdatePrefs(ctx, d, st.ID, stores.NotificationPrefs{PaidSMS: true})
	require.Error(t, err, "an SMS needs a phone")
	_, err = stores.UpdatePrefs(ctx, d, st.ID, stores.NotificationPrefs{Email: "not an email"})
	require.Error(t, err)

	mine, err := stores.ForUser(ctx, d, u.ID)
	require.NoError(t, err)
	require.Len(t, mine, 1)
	_, err = stores.Create(ctx, d, u.ID, "new", "Clash")
	require.Error(t, err, "dashboard paths are reserved")
}
