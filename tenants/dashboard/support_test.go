package dashboard_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/audit"
	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/devstack"
	"github.com/sokohub/sokohub/internal/devstack/stacktest"
	"github.com/sokohub/sokohub/tenants/orders"
	"github.com/sokohub/sokohub/tenants/stores"
)

const (
	adminEmail    = stacktest.AdminEmail
	adminPassword = stacktest.AdminPassword
	supportReason = "owner asked for help with an order"
)

// TestAdminNeedsSupportAccessInADashboard: a platform admin opens a
// store's dashboard only under support access to that store, sees the
// banner on every page while it lasts, and is audited as the owner there;
// without it (never started, ended, expired, or another store's) the page
// is a 403 that says how to start it. The owner is unaffected.
func TestAdminNeedsSupportAccessInADashboard(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{Admin: true})
	ctx := context.Background()
	st, ps := demo(t, s)
	paid := buy(t, s, st, ps[0], "0712345678", "Wanjiku", true)
	other := otherStore(t, s)
	admin := newMerchant(t, s)
	admin.login(adminEmail, adminPassword)
	orderPath := "/dashboard/demo/orders/" + paid.ID

	refused := func(path, why string) {
		t.Helper()
		res := admin.get(path)
		require.Equal(t, http.StatusForbidden, res.Status, why)
		require.Contains(t, textOf(res.Body), "Support access needed", why)
		require.NotContains(t, res.Body, paid.Phone, why)
		require.NotContains(t, res.Body, paid.CustomerName, why)
	}
	refused("/dashboard/demo/orders", "no support access")
	page := admin.get("/dashboard/demo/orders")
	require.Contains(t, page.Body, `href="/admin/stores/demo"`, "the page links to where support access starts")
	require.NotContains(t, page.Body, `id="support-banner"`)
	// The console's pages carry the session's CSRF token.
	fulfil := admin.submit("/admin/stores/demo", orderPath+"/fulfil", url.Values{})
	require.Equal(t, http.StatusForbidden, fulfil.Status)
	require.Equal(t, orders.StatusPaid, orderStatus(t, s, st, paid.ID), "a refused POST changes nothing")

	start := admin.submit("/admin/stores/demo", "/admin/stores/demo/support", url.Values{"reason": {supportReason}})
	require.Equal(t, http.StatusSeeOther, start.Status, start.Body)
	require.Contains(t, admin.get("/admin/stores/demo").Body, `href="/dashboard/demo"`, "the console opens the dashboard")
	grant := grantOf(t, s, st)
	for _, path := range []string{"/dashboard/demo/orders", orderPath, "/dashboard/demo/products", "/dashboard/demo/setup/mpesa", "/dashboard/new"} {
		res := admin.get(path)
		require.Equal(t, http.StatusOK, res.Status, path)
		banner := textOf(regexpFind(t, `(?s)<section class="support" id="support-banner".*?</section>`, res.Body))
		require.Contains(t, banner, adminEmail+" is acting as "+devstack.DemoEmail, path)
		require.Contains(t, banner, "until "+grant.ExpiresAt.In(eat).Format("2 Jan 2006, 15:04"), path)
		require.Contains(t, banner, supportReason, path)
		require.Contains(t, banner, "End support access", path)
		require.Contains(t, res.Body, `<form method="post" action="/admin/support/end"><input type="hidden" name="_csrf"`, path)
	}
	require.Contains(t, textOf(admin.get("/dashboard/demo/orders").Body), "the owner of "+st.Name)
	require.Contains(t, admin.get(orderPath).Body, paid.Phone, "acting as the owner, the admin sees what the owner sees")

	fulfil = admin.submit(orderPath, orderPath+"/fulfil", url.Values{})
	require.Equal(t, http.StatusSeeOther, fulfil.Status, fulfil.Body)
	require.Equal(t, orders.StatusFulfilled, orderStatus(t, s, st, paid.ID))
	entries, err := audit.List(ctx, s.App.DB, audit.Filter{Store: "demo"})
	require.NoError(t, err)
	acts := map[string]audit.Entry{}
	for _, e := range entries {
		acts[e.Action+" "+e.Detail] = e
	}
	for _, act := range []string{"support.request POST /dashboard/:slug/orders/:id/fulfil", "support.request GET /dashboard/:slug/orders", "credentials.view "} {
		e, ok := acts[act]
		require.True(t, ok, "%s is audited: %v", act, entries)
		require.Equal(t, adminEmail, e.Actor, act)
		require.Equal(t, devstack.DemoEmail, e.Subject, act)
		require.Equal(t, audit.OK, e.Outcome, act)
	}

	// The grant is for demo only.
	res := admin.get("/dashboard/" + other.Slug + "/orders")
	require.Equal(t, http.StatusForbidden, res.Status)
	require.Contains(t, res.Body, `href="/admin/stores/`+other.Slug+`"`)
	require.Contains(t, res.Body, `id="support-banner"`, "the banner still says the session acts as demo's owner")
	require.NotContains(t, textOf(res.Body), "the owner of "+st.Name, "but does not name this store")

	// The owner, meanwhile, sees their dashboard as always.
	owner := newMerchant(t, s)
	owner.login(devstack.DemoEmail, devstack.DemoPassword)
	mine := owner.get("/dashboard/demo/orders")
	require.Equal(t, http.StatusOK, mine.Status)
	require.NotContains(t, mine.Body, `id="support-banner"`)

	end := admin.submit("/dashboard/demo/orders", "/admin/support/end", url.Values{})
	require.Equal(t, http.StatusSeeOther, end.Status, end.Body)
	refused("/dashboard/demo/orders", "support access ended")
	refused(orderPath, "support access ended")

	start = admin.submit("/admin/stores/demo", "/admin/stores/demo/support", url.Values{"reason": {supportReason}})
	require.Equal(t, http.StatusSeeOther, start.Status, start.Body)
	require.Equal(t, http.StatusOK, admin.get("/dashboard/demo/orders").Status)
	_, err = s.App.DB.NewUpdate().Model((*auth.SupportGrant)(nil)).Set("expires_at = ?", db.Now().Add(-time.Second)).
		Where("store_id = ?", st.ID).Where("ended_at IS NULL").Exec(ctx)
	require.NoError(t, err)
	refused("/dashboard/demo/orders", "support access expired")
	require.Equal(t, http.StatusOK, owner.get("/dashboard/demo/orders").Status)
}

var eat = time.FixedZone("EAT", 3*3600)

// otherStore opens a second store with an owner of its own.
func otherStore(t *testing.T, s *devstack.Stack) *stores.Store {
	ctx := context.Background()
	u, err := s.App.Auth.CreateUser(ctx, "kamau@duka.test", "kamau-password", "Kamau")
	require.NoError(t, err)
	st, err := stores.Create(ctx, s.App.DB, u.ID, "kamau", "Duka la Kamau")
	require.NoError(t, err)
	require.NoError(t, s.App.Policy.SetStoreRole(u.ID, st.ID, policy.RoleOwner))
	return st
}

func orderStatus(t *testing.T, s *devstack.Stack, st *stores.Store, id string) string {
	o, err := orders.Get(context.Background(), s.App.DB, st.ID, id)
	require.NoError(t, err)
	return o.Status
}

// grantOf is st's live support grant.
func grantOf(t *testing.T, s *devstack.Stack, st *stores.Store) *auth.SupportGrant {
	g := new(auth.SupportGrant)
	require.NoError(t, s.App.DB.NewSelect().Model(g).Where("store_id = ?", st.ID).Where("ended_at IS NULL").Scan(context.Background()))
	return g
}

// TestSupportAccessEndsWithTheAdminRole: an admin moved to
// platform_support keeps only support's read-only pages, whatever grant
// their session still holds.
func TestSupportAccessEndsWithTheAdminRole(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{Admin: true})
	admin := newMerchant(t, s)
	admin.login(adminEmail, adminPassword)
	start := admin.submit("/admin/stores/demo", "/admin/stores/demo/support", url.Values{"reason": {supportReason}})
	require.Equal(t, http.StatusSeeOther, start.Status, start.Body)
	require.Equal(t, http.StatusOK, admin.get("/dashboard/demo/setup/mpesa").Status)

	u, err := s.App.Auth.ByEmail(context.Background(), adminEmail)
	require.NoError(t, err)
	require.NoError(t, s.App.Policy.SetPlatformRole(u.ID, policy.RolePlatformSupport))
	require.Equal(t, http.StatusForbidden, admin.get("/dashboard/demo/setup/mpesa").Status, "no longer the owner")
	orders := admin.get("/dashboard/demo/orders")
	require.Equal(t, http.StatusOK, orders.Status, "platform_support reads orders")
	require.NotContains(t, orders.Body, `id="support-banner"`)
}
