package dashboard_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"html"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/devstack"
	"github.com/sokohub/sokohub/internal/devstack/stacktest"
	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/internal/payments"
	"github.com/sokohub/sokohub/tenants/catalog"
	"github.com/sokohub/sokohub/tenants/orders"
	"github.com/sokohub/sokohub/tenants/stores"
)

func TestAnonymousIsSentToLogin(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	res := newMerchant(t, s).get("/dashboard/demo/orders")
	require.Equal(t, http.StatusSeeOther, res.Status)
	require.Equal(t, "/login?next=%2Fdashboard%2Fdemo%2Forders", res.Location)
}

func TestOrdersNewestFirstSearchFilterAndCSV(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	st, ps := demo(t, s)
	paid := buy(t, s, st, ps[0], "0712345678", "=HYPERLINK(\"x\")", true)
	failed := buy(t, s, st, ps[1], "0700000001", "Otieno", false)
	m := newMerchant(t, s)
	m.login(devstack.DemoEmail, devstack.DemoPassword)

	res := m.get("/dashboard")
	require.Equal(t, "/dashboard/demo", res.Location)
	require.Equal(t, "/dashboard/demo/orders", m.get("/dashboard/demo").Location, "a set-up store opens on its orders")

	list := m.get("/dashboard/demo/orders")
	require.Equal(t, http.StatusOK, list.Status)
	require.Less(t, strings.Index(list.Body, "#1002"), strings.Index(list.Body, "#1001"), "newest first")
	require.Contains(t, list.Body, `<tr class="paid">`, "paid orders are highlighted")
	require.Contains(t, list.Body, paid.Receipt)

	for _, q := range []string{paid.Receipt, strings.ToLower(paid.Receipt), "#1001", "1001", "0712 345 678", "+254712345678", "5678"} {
		found := textOf(m.get("/dashboard/demo/orders?q=" + url.QueryEscape(q)).Body)
		require.Contains(t, found, "#1001", q)
		require.NotContains(t, found, "#1002", q)
	}
	byStatus := textOf(m.get("/dashboard/demo/orders?status=pending").Body)
	require.Contains(t, byStatus, "#1002")
	require.NotContains(t, byStatus, "#1001")
	require.Equal(t, http.StatusBadRequest, m.get("/dashboard/demo/orders?status=bogus").Status)

	export := m.get("/dashboard/demo/orders.csv?status=paid")
	require.Equal(t, http.StatusOK, export.Status)
	require.Contains(t, export.Header.Get("Content-Disposition"), "demo-orders.csv")
	require.Equal(t, "text/csv; charset=utf-8", export.Header.Get("Content-Type"))
	rows, err := csv.NewReader(strings.NewReader(export.Body)).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 2, "a header and the one paid order")
	require.Equal(t, []string{"1001", "paid", "30", paid.Receipt, "254712345678"}, []string{rows[1][0], rows[1][2], rows[1][3], rows[1][8], rows[1][6]})
	require.Equal(t, `'=HYPERLINK("x")`, rows[1][5], "a formula typed as a name is defused")
	_ = failed
}

func TestOrderPageTimelineAndFulfil(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	st, ps := demo(t, s)
	pending := buy(t, s, st, ps[1], "0700000002", "Otieno", false)
	paid := buy(t, s, st, ps[0], "0712345678", "Wanjiku", true)
	m := newMerchant(t, s)
	m.login(devstack.DemoEmail, devstack.DemoPassword)
	ctx := context.Background()

	page := m.get("/dashboard/demo/orders/" + paid.ID)
	require.Equal(t, http.StatusOK, page.Status)
	text := textOf(page.Body)
	require.Contains(t, text, "prompt sent to the phone")
	require.Contains(t, text, "paid, receipt "+paid.Receipt)
	require.Contains(t, text, "Mark as fulfilled")

	res := m.submit("/dashboard/demo/orders/"+paid.ID, "/dashboard/demo/orders/"+paid.ID+"/fulfil", url.Values{})
	require.Equal(t, http.StatusSeeOther, res.Status, res.Body)
	o, err := orders.Get(ctx, s.App.DB, st.ID, paid.ID)
	require.NoError(t, err)
	require.Equal(t, orders.StatusFulfilled, o.Status)
	require.False(t, o.FulfilledAt.IsZero())
	require.Equal(t, paid.Sequence+1, o.Sequence)
	events, err := s.App.DB.NewSelect().Model((*outbox.Event)(nil)).Where("order_id = ?", paid.ID).
		Where("type = ?", outbox.OrderFulfilled).Count(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, events)

	// Twice is a no-op; an unpaid order cannot be fulfilled.
	res = m.submit("/dashboard/demo/orders/"+paid.ID, "/dashboard/demo/orders/"+paid.ID+"/fulfil", url.Values{})
	require.Equal(t, http.StatusSeeOther, res.Status)
	res = m.submit("/dashboard/demo/orders/"+pending.ID, "/dashboard/demo/orders/"+pending.ID+"/fulfil", url.Values{})
	require.Equal(t, http.StatusConflict, res.Status)
	require.Contains(t, textOf(res.Body), "Only a paid order can be marked fulfilled.")
	require.Contains(t, textOf(res.Body), "The customer cancelled the M-Pesa prompt.")

	// Without the form's CSRF token nothing changes.
	res = m.post("/dashboard/demo/orders/"+pending.ID+"/fulfil", url.Values{})
	require.Equal(t, http.StatusForbidden, res.Status)
}

func TestAnotherMerchantSeesNothingOfTheStore(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	_, _, err := s.App.Auth.Signup(context.Background(), "other@sokohub.test", "other-password", "Other")
	require.NoError(t, err)
	m := newMerchant(t, s)
	m.login("other@sokohub.test", "other-password")
	require.Equal(t, "/dashboard/new", m.get("/dashboard").Location)
	for _, path := range []string{"/dashboard/demo/orders", "/dashboard/demo/products", "/dashboard/demo/orders.csv"} {
		res := m.get(path)
		require.Equal(t, http.StatusNotFound, res.Status, path)
		require.Contains(t, res.Header.Get("Content-Type"), "text/html")
	}
}

func png1(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 400, 300))
	for y := range 300 {
		for x := range 400 {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func TestProductsCreateEditStockAndImage(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	st, _ := demo(t, s)
	m := newMerchant(t, s)
	m.login(devstack.DemoEmail, devstack.DemoPassword)

	bad := m.submit("/dashboard/demo/products/new", "/dashboard/demo/products/new",
		url.Values{"name": {"Kikoi"}, "price": {"1500.50"}, "stock": {"4"}})
	require.Equal(t, http.StatusBadRequest, bad.Status)
	require.Contains(t, textOf(bad.Body), "whole shillings")
	require.Contains(t, bad.Body, `value="Kikoi"`)

	res := m.upload("/dashboard/demo/products/new", "/dashboard/demo/products/new",
		map[string]string{"name": "Kikoi", "price": "KES 1,500", "stock": "4", "description": "Cotton, 2 m", "active": "1"}, "image", png1(t))
	require.Equal(t, http.StatusSeeOther, res.Status, res.Body)
	ps, err := catalog.All(context.Background(), s.App.DB, st.ID)
	require.NoError(t, err)
	p := ps[len(ps)-1]
	require.Equal(t, "Kikoi", p.Name)
	require.EqualValues(t, 150000, p.Price)
	require.EqualValues(t, 4, p.Stock)
	require.NotEmpty(t, p.Image)
	img := newMerchant(t, s).get("/s/demo/media/" + p.Image + "-sm.jpg")
	require.Equal(t, http.StatusOK, img.Status)
	require.Equal(t, "image/jpeg", img.Header.Get("Content-Type"))

	res = m.submit("/dashboard/demo/products/"+p.ID, "/dashboard/demo/products/"+p.ID,
		url.Values{"name": {"Kikoi (blue)"}, "price": {"1600"}, "stock": {"0"}, "active": {"1"}})
	require.Equal(t, http.StatusSeeOther, res.Status, res.Body)
	edited, err := catalog.Get(context.Background(), s.App.DB, st.ID, p.ID)
	require.NoError(t, err)
	require.Equal(t, "Kikoi (blue)", edited.Name)
	require.EqualValues(t, 0, edited.Stock)
	require.Equal(t, p.Image, edited.Image, "an edit without a new photo keeps the old one")
	require.Contains(t, textOf(m.get("/dashboard/demo/products").Body), "Sold out")

	notImage := m.upload("/dashboard/demo/products/"+p.ID, "/dashboard/demo/products/"+p.ID,
		map[string]string{"name": "Kikoi", "price": "1600", "stock": "1"}, "image", []byte("not a picture"))
	require.Equal(t, http.StatusBadRequest, notImage.Status)
	require.Contains(t, textOf(notImage.Body), "not a photo we can use")
}

func TestNotificationPreferences(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	m := newMerchant(t, s)
	m.login(devstack.DemoEmail, devstack.DemoPassword)
	const path = "/dashboard/demo/settings/notifications"
	bad := m.submit(path, path, url.Values{"paid_sms": {"1"}, "notify_phone": {"12"}})
	require.Equal(t, http.StatusBadRequest, bad.Status)
	require.Contains(t, textOf(bad.Body), "That number is too short.")
	res := m.submit(path, path, url.Values{"paid_sms": {"1"}, "notify_phone": {"0712 345 678"}, "notify_email": {"orders@duka.co.ke"}})
	require.Equal(t, http.StatusSeeOther, res.Status, res.Body)
	st, err := stores.BySlug(context.Background(), s.App.DB, "demo")
	require.NoError(t, err)
	require.Equal(t, stores.NotificationPrefs{Email: "orders@duka.co.ke", Phone: "254712345678", PaidSMS: true}, st.Prefs())
}

func TestWebhookSecretIsShownOnce(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	m := newMerchant(t, s)
	m.login(devstack.DemoEmail, devstack.DemoPassword)
	res := m.submit("/dashboard/demo/webhooks", "/dashboard/demo/webhooks",
		url.Values{"url": {"http://127.0.0.1:9/hook"}, "event_order.paid": {"1"}})
	require.Equal(t, http.StatusCreated, res.Status, textOf(res.Body))
	// The page is HTML: a "+" of the base64 secret arrives as &#43;.
	secret := regexpFind(t, `whsec_[A-Za-z0-9+/=]+`, html.UnescapeString(res.Body))
	later := m.get("/dashboard/demo/webhooks")
	require.Contains(t, later.Body, "http://127.0.0.1:9/hook")
	require.NotContains(t, html.UnescapeString(later.Body), secret)

	none := m.submit("/dashboard/demo/webhooks", "/dashboard/demo/webhooks", url.Values{"url": {"http://127.0.0.1:9/x"}})
	require.Equal(t, http.StatusBadRequest, none.Status)
	require.Contains(t, textOf(none.Body), "Pick at least one event to send")
}

func TestPaymentProblemsAreListedAndResolved(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	st, ps := demo(t, s)
	paid := buy(t, s, st, ps[0], "0712345678", "Wanjiku", true)
	ctx := context.Background()
	a, err := payments.Latest(ctx, s.App.DB, st.ID, paid.ID)
	require.NoError(t, err)
	is := &payments.Issue{ID: db.NewID("pis"), StoreID: st.ID, AttemptID: a.ID, OrderID: paid.ID, Kind: payments.IssueOverpaid,
		Amount: 3000, Currency: "KES", Receipt: "QZZ1234567", Status: payments.IssueOpen, CreatedAt: db.Now()}
	_, err = s.App.DB.NewInsert().Model(is).Exec(ctx)
	require.NoError(t, err)

	m := newMerchant(t, s)
	m.login(devstack.DemoEmail, devstack.DemoPassword)
	list := textOf(m.get("/dashboard/demo/payments").Body)
	require.Contains(t, list, "Overpaid: KES 30")
	require.Contains(t, list, "QZZ1234567")

	bad := m.submit("/dashboard/demo/payments", "/dashboard/demo/payments/"+is.ID+"/resolve",
		url.Values{"action": {"match"}, "order": {"9999"}})
	require.Equal(t, http.StatusBadRequest, bad.Status)
	require.Contains(t, textOf(bad.Body), "There is no pending order #9999.")

	res := m.submit("/dashboard/demo/payments", "/dashboard/demo/payments/"+is.ID+"/resolve", url.Values{"action": {"refund"}})
	require.Equal(t, http.StatusSeeOther, res.Status, textOf(res.Body))
	require.Contains(t, textOf(m.get("/dashboard/demo/payments").Body), "Nothing to resolve.")
	open, err := payments.Issues(ctx, s.App.DB, st.ID, payments.IssueOpen)
	require.NoError(t, err)
	require.Empty(t, open)
}

// The owner of a suspended shop is told so on every dashboard page, and
// the banner goes when the shop is reactivated.
func TestSuspendedShopOwnerSeesTheBanner(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	m := newMerchant(t, s)
	m.login(devstack.DemoEmail, devstack.DemoPassword)
	require.NotContains(t, m.get("/dashboard/demo/orders").Body, `id="suspended-banner"`)

	setStatus := func(status string) {
		_, err := s.App.DB.NewUpdate().Table("stores").Set("status = ?", status).Where("slug = ?", "demo").Exec(context.Background())
		require.NoError(t, err)
	}
	setStatus(stores.StatusSuspended)
	for _, path := range []string{"/dashboard/demo/orders", "/dashboard/demo/products"} {
		res := m.get(path)
		require.Equal(t, http.StatusOK, res.Status, path)
		require.Contains(t, res.Body, `id="suspended-banner"`, path)
		require.Contains(t, res.Body, "This shop is suspended by SokoHub", path)
	}
	setStatus(stores.StatusActive)
	require.NotContains(t, m.get("/dashboard/demo/orders").Body, `id="suspended-banner"`)
}
