package admin_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/browsertest"
	"github.com/sokohub/sokohub/internal/devstack"
	"github.com/sokohub/sokohub/internal/devstack/stacktest"
	"github.com/sokohub/sokohub/internal/mpesa"
	"github.com/sokohub/sokohub/tenants/catalog"
	"github.com/sokohub/sokohub/tenants/stores"
)

// TestConsoleSuspendsAStore: a platform admin logs into the console in a
// real browser, suspends a store, and its storefront then refuses to sell.
func TestConsoleSuspendsAStore(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{Admin: true})
	ctx := context.Background()
	owner, err := s.App.Auth.CreateUser(ctx, "baraka@duka.test", "baraka-password", "Baraka")
	require.NoError(t, err)
	st, err := stores.Create(ctx, s.App.DB, owner.ID, "baraka", "Duka la Baraka")
	require.NoError(t, err)
	require.NoError(t, s.App.Policy.SetStoreRole(owner.ID, st.ID, policy.RoleOwner))
	_, err = s.App.Vault.Save(ctx, s.App.DB, st.ID, mpesa.Credentials{Environment: "sandbox", Type: "paybill", Shortcode: "174379",
		Passkey: devstack.SandboxPasskey, ConsumerKey: "sim-consumer-key", ConsumerSecret: "sim-consumer-secret"})
	require.NoError(t, err)
	p, err := catalog.Create(ctx, s.App.DB, st.ID, catalog.NewProduct{Name: "Kikoi", Price: 150000, Currency: "KES", Stock: 5})
	require.NoError(t, err)
	// A delivery to nowhere fills the store page's log with a long error.
	ep, _, err := s.App.Endpoints.Create(ctx, s.App.DB, st.ID, "http://127.0.0.1:9/hook", []string{"order.paid"})
	require.NoError(t, err)
	_, err = s.App.Deliverer.SendTest(ctx, st.ID, ep.ID)
	require.NoError(t, err)

	b := browsertest.New(t)
	b.Do(chromedp.Navigate(s.URL + "/admin"))
	b.WaitText("h1", "Log in")
	b.Do(chromedp.SendKeys(chromedp.ID("email"), stacktest.AdminEmail), chromedp.SendKeys(chromedp.ID("password"), stacktest.AdminPassword),
		chromedp.Click(chromedp.ID("login")))
	b.WaitText("#stores", "Duka la Baraka")
	b.Screenshot("console-stores")
	b.RequireFitsWidth() // the header wraps, the table scrolls in its own box
	b.Do(chromedp.Click(chromedp.CSS(`a[href="/admin/stores/baraka"]`)))
	b.WaitText("#store-status", "active")
	b.WaitText("#deliveries", "no answer") // an attempt with its error
	b.Screenshot("console-store")
	b.RequireFitsWidth()
	b.Do(chromedp.SendKeys(chromedp.ID("suspend-reason"), "Chargebacks under review"), chromedp.Click(chromedp.ID("suspend")))
	b.WaitText("#store-status", "suspended")
	b.Screenshot("console-suspended")

	b.Do(chromedp.Navigate(s.URL + "/s/baraka"))
	b.WaitText("main", "not taking orders")
	b.Screenshot("storefront-unavailable")

	res, err := http.Post(s.URL+"/api/v1/storefront/baraka/orders", "application/json",
		strings.NewReader(`{"items":[{"product_id":"`+p.ID+`","quantity":1}],"phone":"0712345678"}`))
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusForbidden, res.StatusCode, "checkout is refused")
}
