package storefront_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/devstack/stacktest"
	"github.com/sokohub/sokohub/tenants/catalog"
)

var checkoutKeyRe = regexp.MustCompile(`name="key" value="([^"]+)"`)

// tap posts the checkout form as a phone's browser does on a second tap of
// Pay: with the cookies it had before the first answer came back (the
// cleared cart never reached it).
func tap(base, cookie string, form url.Values) (page, error) {
	req, err := http.NewRequest(http.MethodPost, base+"/s/demo/checkout", strings.NewReader(form.Encode()))
	if err != nil {
		return page{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", cookie)
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return page{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return page{Status: res.StatusCode, Body: string(b), Location: res.Header.Get("Location")}, err
}

func TestDoubleTappedPayPlacesOneOrder(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	st, ps := products(t, s)
	ctx := context.Background()
	// The last one on the shelf: a second order could not even hold it, so
	// only the guard sends a later tap to the order.
	_, err := s.App.DB.NewUpdate().Table("products").Set("stock = 1").Where("id = ?", ps[0].ID).Exec(ctx)
	require.NoError(t, err)
	sh := newShopper(t, s)
	sh.post("/s/demo/cart", url.Values{"product_id": {ps[0].ID}, "op": {"add"}})
	cart := sh.get("/s/demo/cart")
	m := checkoutKeyRe.FindStringSubmatch(cart.Body)
	require.NotNil(t, m, "the checkout form carries a key for its one order")
	u, err := url.Parse(s.URL + "/s/demo/checkout")
	require.NoError(t, err)
	var cookies []string
	for _, c := range sh.http.Jar.Cookies(u) {
		cookies = append(cookies, c.String())
	}
	form := url.Values{"name": {"Akinyi"}, "phone": {"0712 000 111"}, "key": {m[1]}}

	// Three taps at once, then a fourth after the others were answered.
	taps := make(chan page, 3)
	errs := make(chan error, 3)
	for range 3 {
		go func() {
			p, err := tap(s.URL, strings.Join(cookies, "; "), form)
			taps <- p
			errs <- err
		}()
	}
	var where []string
	for range 3 {
		p := <-taps
		require.NoError(t, <-errs)
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		where = append(where, p.Location)
	}
	late, err := tap(s.URL, strings.Join(cookies, "; "), form)
	require.NoError(t, err)
	require.Equal(t, http.StatusSeeOther, late.Status, late.Body)
	where = append(where, late.Location)
	require.Regexp(t, `^/s/demo/orders/ord_[0-9a-z]+\?t=`, where[0])
	for _, w := range where {
		require.Equal(t, where[0], w, "every tap lands on the same order")
	}

	n, err := s.App.DB.NewSelect().Table("orders").Count(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "one order for one form")
	n, err = s.App.DB.NewSelect().Table("payment_attempts").Count(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "one prompt for one order")
	p, err := catalog.Get(ctx, s.App.DB, st.ID, ps[0].ID)
	require.NoError(t, err)
	require.Zero(t, p.Stock, "stock held once")
}
