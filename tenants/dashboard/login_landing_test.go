package dashboard_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/devstack"
	"github.com/sokohub/sokohub/internal/devstack/stacktest"
)

// A login without a page to return to lands where the person works ("/"
// is the demo shop); a next page is kept only when it is on this site.
func TestLoginLandsOnTheDashboardOrTheConsole(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{Admin: true})
	merchant, admin := []string{devstack.DemoEmail, devstack.DemoPassword}, []string{stacktest.AdminEmail, stacktest.AdminPassword}
	for _, c := range []struct {
		who        []string
		next, want string
	}{
		{merchant, "", "/dashboard"}, {admin, "", "/admin"},
		{merchant, "/dashboard/demo/orders", "/dashboard/demo/orders"}, {admin, "/admin/audit", "/admin/audit"},
		{merchant, "//evil.example/x", "/dashboard"}, {admin, "https://evil.example", "/admin"},
	} {
		m := newMerchant(t, s)
		form := m.get("/login?next=" + url.QueryEscape(c.next))
		res := m.post("/login", url.Values{"email": {c.who[0]}, "password": {c.who[1]}, "next": {c.next},
			"_csrf": {csrfOf(t, form.Body)}})
		require.Equal(t, http.StatusSeeOther, res.Status, res.Body)
		require.Equal(t, c.want, res.Location, "%s with next %q", c.who[0], c.next)
		// Opening the login page again, already in, goes to the same place.
		require.Equal(t, c.want, m.get("/login?next="+url.QueryEscape(c.next)).Location)
	}
}
