package storefront_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/devstack/stacktest"
	"github.com/sokohub/sokohub/tenants/stores"
)

func TestStorePageShowsBrandingProductsAndStock(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	st, ps := products(t, s)
	ctx := context.Background()
	_, err := stores.UpdateProfile(ctx, s.App.DB, st.ID, stores.Profile{Name: "Mama Mboga", Tagline: "Fresh every morning",
		BrandColor: "#ffd700", AccentColor: "#123456"})
	require.NoError(t, err)
	_, err = s.App.DB.NewUpdate().Table("products").Set("stock = 0").Where("id = ?", ps[0].ID).Exec(ctx)
	require.NoError(t, err)
	_, err = s.App.DB.NewUpdate().Table("products").Set("stock = 3").Where("id = ?", ps[1].ID).Exec(ctx)
	require.NoError(t, err)

	res := newShopper(t, s).get("/s/demo")
	require.Equal(t, http.StatusOK, res.Status)
	text := textOf(res.Body)
	require.Contains(t, text, "Mama Mboga")
	require.Contains(t, text, "Fresh every morning")
	require.Contains(t, text, "KES 120") // Tomatoes, 12000 cents
	require.Contains(t, text, "Sold out")
	require.Contains(t, text, "Only 3 left")
	require.Contains(t, text, "In stock")
	// A light brand colour gets dark text, and links fall back to a
	// readable colour on white.
	require.Contains(t, res.Body, "--brand:#ffd700;--on-brand:#000000")
	require.Contains(t, res.Body, "--link:#000000")
	require.Contains(t, res.Body, "--on-accent:#ffffff")
	require.Contains(t, res.Body, `lang="en"`)
	require.Regexp(t, `<button class="add" type="submit" disabled`, res.Body, "sold-out products cannot be added")
}

func TestProductPage(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	_, ps := products(t, s)
	sh := newShopper(t, s)
	res := sh.get("/s/demo/p/" + ps[1].ID)
	require.Equal(t, http.StatusOK, res.Status)
	require.Contains(t, textOf(res.Body), ps[1].Name)
	require.Contains(t, res.Body, `<label for="qty">Quantity</label>`)
	require.Equal(t, http.StatusNotFound, sh.get("/s/demo/p/prd_doesnotexist").Status)
}

func TestCartSurvivesPageLoadsAndEdits(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	_, ps := products(t, s)
	sh := newShopper(t, s)

	res := sh.post("/s/demo/cart", url.Values{"product_id": {ps[0].ID}, "op": {"add"}, "qty": {"1"}})
	require.Equal(t, http.StatusSeeOther, res.Status)
	require.Equal(t, "/s/demo/cart", res.Location)
	sh.post("/s/demo/cart", url.Values{"product_id": {ps[0].ID}, "op": {"add"}, "qty": {"2"}})
	sh.post("/s/demo/cart", url.Values{"product_id": {ps[1].ID}, "op": {"add"}, "qty": {"1"}})

	cart := textOf(sh.get("/s/demo/cart").Body)
	require.Contains(t, cart, "Cart (4)")
	require.Contains(t, cart, "KES 90") // 3 × KES 30
	require.Contains(t, cart, "Total KES 210")

	sh.post("/s/demo/cart", url.Values{"product_id": {ps[0].ID}, "op": {"set"}, "qty": {"1"}})
	sh.post("/s/demo/cart", url.Values{"product_id": {ps[1].ID}, "op": {"remove"}})
	cart = textOf(sh.get("/s/demo/cart").Body)
	require.Contains(t, cart, "Total KES 30")
	require.NotContains(t, cart, ps[1].Name)

	// The store page counts what is in the cart.
	require.Contains(t, textOf(sh.get("/s/demo").Body), "Cart (1)")

	// A bad quantity is a readable page, not an error dump.
	res = sh.post("/s/demo/cart", url.Values{"product_id": {ps[0].ID}, "op": {"set"}, "qty": {"lots"}})
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.Contains(t, textOf(res.Body), "Quantities must be whole numbers.")
}

func TestTamperedCartCookieIsIgnored(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	_, ps := products(t, s)
	sh := newShopper(t, s)
	u, err := url.Parse(s.URL + "/s/demo/")
	require.NoError(t, err)
	sh.http.Jar.SetCookies(u, []*http.Cookie{{Name: "cart", Value: "prd_nope:1|x:y|" + ps[0].ID + ":-4|" + ps[1].ID + ":2|" + ps[1].ID + ":9", Path: "/s/demo"}})
	res := sh.get("/s/demo/cart")
	require.Equal(t, http.StatusOK, res.Status)
	text := textOf(res.Body)
	require.Contains(t, text, "Total KES 240", "only the one valid line, counted once")
	require.Contains(t, text, "no longer sold")
}

func TestCheckoutAcceptsEveryCommonPhoneFormat(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	_, ps := products(t, s)
	// Distinct numbers: the prompt limit counts per phone.
	for _, phone := range []string{"0712 000 001", "0712000002", "+254 712 000 003", "254712000004", "712000005",
		"0112-000-006", "(0722) 000007", "+254-112-000-008"} {
		t.Run(phone, func(t *testing.T) {
			newShopper(t, s).buy(ps[2].ID, phone)
		})
	}
}

func TestCheckoutRefusalsKeepWhatWasTyped(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	_, ps := products(t, s)
	sh := newShopper(t, s)
	sh.post("/s/demo/cart", url.Values{"product_id": {ps[0].ID}, "op": {"add"}})

	res := sh.post("/s/demo/checkout", url.Values{"name": {"Otieno"}, "phone": {"0812 345 678"}, "email": {"otieno-at-example"},
		"note": {"Near the church"}})
	require.Equal(t, http.StatusBadRequest, res.Status)
	text := textOf(res.Body)
	require.Contains(t, text, "That is not a mobile number.")
	require.Contains(t, res.Body, `value="Otieno"`)
	require.Contains(t, res.Body, `value="0812 345 678"`)
	require.Contains(t, res.Body, `>Near the church</textarea>`)
	require.Contains(t, res.Body, `aria-invalid="true"`)
	require.Contains(t, res.Body, `href="#phone"`, "the error summary links to the field")

	res = sh.post("/s/demo/checkout", url.Values{"name": {"Otieno"}, "phone": {"0712345678"}, "email": {"otieno-at-example"}})
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.Contains(t, textOf(res.Body), "Enter a valid email address")

	res = sh.post("/s/demo/checkout", url.Values{"phone": {"0712345678"}})
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.Contains(t, textOf(res.Body), "Please enter your name.")

	res = sh.post("/s/demo/checkout", url.Values{"name": {"Otieno"}, "phone": {"0712345678"}, "note": {strings.Repeat("a", 501)}})
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.Contains(t, textOf(res.Body), "Keep the delivery note under 500 characters.")
	require.Contains(t, res.Body, `id="note-e"`, "the message sits under the note field")

	empty := newShopper(t, s).post("/s/demo/checkout", url.Values{"name": {"A"}, "phone": {"0712345678"}})
	require.Equal(t, http.StatusBadRequest, empty.Status)
	require.Contains(t, textOf(empty.Body), "Add something to your cart first.")

	n, err := s.App.DB.NewSelect().Table("orders").Count(context.Background())
	require.NoError(t, err)
	require.Zero(t, n, "no refused checkout placed an order")
}

func TestPayAndSeeConfirmationWithReceipt(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	_, ps := products(t, s)
	sh := newShopper(t, s)
	order := sh.buy(ps[0].ID, "0712 345 678")

	// The cart is emptied by a successful checkout.
	require.Contains(t, textOf(sh.get("/s/demo/cart").Body), "Your cart is empty.")

	paid := sh.until(order, "Paid — thank you!")
	text := textOf(paid.Body)
	require.Regexp(t, `Order number #10\d\d`, text)
	require.Contains(t, text, "Amount paid KES 60")
	require.Regexp(t, `M-Pesa receipt [A-Z0-9]{10}`, text)
	require.Contains(t, text, "Gate B, blue door")
	require.NotContains(t, paid.Body, "http-equiv=\"refresh\"", "a settled page stops refreshing")

	// The link in the confirmation reopens the page later, without the
	// session that placed the order; a wrong token is a plain 404.
	later := newShopper(t, s).get(order)
	require.Equal(t, http.StatusOK, later.Status)
	require.Contains(t, textOf(later.Body), "Paid — thank you!")
	require.Equal(t, http.StatusNotFound, newShopper(t, s).get(order[:strings.Index(order, "?t=")]+"?t=wrong").Status)

	status := sh.get(strings.Replace(order, "?t=", "/status?t=", 1))
	require.Equal(t, http.StatusOK, status.Status)
	require.Contains(t, status.Body, `"state":"paid"`)
}

// An order paid on the STK Query's word (its callback never came) does
// not promise a receipt that may never come: the number is in M-Pesa's
// own SMS to the customer.
func TestPaidWithoutReceiptSaysWhereTheReceiptIs(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	_, ps := products(t, s)
	sh := newShopper(t, s)
	order := sh.buy(ps[0].ID, "0700 000 004")
	text := textOf(sh.until(order, "Paid — thank you!").Body)
	require.Contains(t, text, "M-Pesa receipt confirmed by M-Pesa; the receipt number is in the SMS from M-Pesa on your phone")
}

func TestWaitingPageRefreshesWithoutJavaScriptAndCountsDown(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	_, ps := products(t, s)
	sh := newShopper(t, s)
	// 254700000007 waits for an answer on the virtual phone.
	order := sh.buy(ps[0].ID, "0700 000 007")
	res := sh.until(order, "Check your phone — enter your M-Pesa PIN")
	require.Contains(t, res.Body, `<noscript><meta http-equiv="refresh" content="3"></noscript>`)
	require.Regexp(t, `Seconds left to answer the prompt: <span class="count" id="left">\d+</span>\.`, res.Body)
	require.Contains(t, textOf(res.Body), "We sent an M-Pesa prompt to 0700 000 007 to pay KES 60.")
	status := sh.get(strings.Replace(order, "?t=", "/status?t=", 1))
	require.Contains(t, status.Body, `"state":"waiting"`)
}

func TestCancelledPromptShowsReasonAndRetriesWithAnotherPhone(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	_, ps := products(t, s)
	sh := newShopper(t, s)
	order := sh.buy(ps[0].ID, "0700000002")
	failed := sh.until(order, "Payment not completed")
	require.Contains(t, textOf(failed.Body), "You cancelled the payment.")
	require.Contains(t, failed.Body, `value="0700 000 002"`)
	require.NotContains(t, failed.Body, "Paid — thank you!")

	retry := strings.Replace(order, "?t=", "/pay?t=", 1)
	bad := sh.post(retry, url.Values{"phone": {"12"}})
	require.Equal(t, http.StatusBadRequest, bad.Status)
	require.Contains(t, textOf(bad.Body), "That number is too short.")

	res := sh.post(retry, url.Values{"phone": {"0722 000 111"}})
	require.Equal(t, http.StatusSeeOther, res.Status)
	require.Equal(t, order, res.Location)
	paid := sh.until(order, "Paid — thank you!")
	require.Regexp(t, `M-Pesa receipt [A-Z0-9]{10}`, textOf(paid.Body))
}

func TestSwahiliIsSelectableAndRemembered(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	_, ps := products(t, s)
	sh := newShopper(t, s)
	res := sh.get("/s/demo?lang=sw")
	require.Contains(t, res.Body, `lang="sw"`)
	require.Contains(t, textOf(res.Body), "Weka kikapuni")
	require.Contains(t, res.Body, `href="/s/demo?lang=en"`, "the switcher links back to English")
	// Remembered in a cookie, through checkout and the failure reason.
	order := sh.buy(ps[0].ID, "0700000001")
	failed := sh.until(order, "Malipo hayakukamilika")
	require.Contains(t, textOf(failed.Body), "Huna pesa za kutosha kwenye M-Pesa")
	require.Contains(t, textOf(failed.Body), "Tuma ombi tena")
	require.Contains(t, textOf(sh.get("/s/nope").Body), "Haikupatikana")

	// Accept-Language picks Swahili for a first visit.
	req, err := http.NewRequest(http.MethodGet, s.URL+"/s/demo", nil)
	require.NoError(t, err)
	req.Header.Set("Accept-Language", "sw-KE,sw;q=0.9,en;q=0.8")
	r, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	r.Body.Close()
	require.Equal(t, "sw", r.Header.Get("Content-Language"))
}

func TestUnknownAndSuspendedStoresAreFriendly(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	st, ps := products(t, s)
	sh := newShopper(t, s)
	order := sh.buy(ps[0].ID, "0712345678")
	sh.until(order, "Paid — thank you!")

	res := sh.get("/s/no-such-shop")
	require.Equal(t, http.StatusNotFound, res.Status)
	require.Contains(t, res.Header.Get("Content-Type"), "text/html")
	require.Contains(t, textOf(res.Body), "We could not find this shop or page.")

	_, err := s.App.DB.NewUpdate().Model((*stores.Store)(nil)).Set("status = ?", stores.StatusSuspended).Where("id = ?", st.ID).Exec(context.Background())
	require.NoError(t, err)
	for _, path := range []string{"/s/demo", "/s/demo/cart", "/s/demo/p/" + ps[0].ID} {
		res := sh.get(path)
		require.Equal(t, http.StatusForbidden, res.Status, path)
		require.Contains(t, textOf(res.Body), "This shop is not taking orders right now.", path)
	}
	res = sh.post("/s/demo/checkout", url.Values{"name": {"A"}, "phone": {"0712345678"}})
	require.Equal(t, http.StatusForbidden, res.Status)
	// An order already paid can still be looked at.
	require.Contains(t, textOf(sh.get(order).Body), "Paid — thank you!")
}

func TestStoreByHostHeader(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{Env: map[string]string{"SOKOHUB_STOREFRONT_DOMAIN": "shops.sokohub.test"}})
	_, ps := products(t, s)
	sh := newShopper(t, s)
	sh.host = "demo.shops.sokohub.test"
	res := sh.get("/")
	require.Equal(t, http.StatusOK, res.Status)
	require.Contains(t, textOf(res.Body), ps[0].Name)
	require.Contains(t, res.Body, `action="/cart"`, "links are relative to the store's own host")
	require.NotContains(t, res.Body, "/s/demo")

	res = sh.post("/cart", url.Values{"product_id": {ps[0].ID}, "op": {"add"}})
	require.Equal(t, "/cart", res.Location)
	res = sh.post("/checkout", url.Values{"name": {"Achieng"}, "phone": {"0712345678"}})
	require.Equal(t, http.StatusSeeOther, res.Status, res.Body)
	require.Regexp(t, `^/orders/ord_`, res.Location)
	sh.until(res.Location, "Paid — thank you!")

	sh.host = "nope.shops.sokohub.test"
	require.Equal(t, http.StatusNotFound, sh.get("/").Status)
}
