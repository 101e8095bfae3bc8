package storefront_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/devstack/stacktest"
)

var hrefRe = regexp.MustCompile(`href="(/[^"]*)"`)

// linksWork follows every link of this site on p with a fresh browser
// (following a language link must not switch the caller's language) and
// requires each to open a page: on a phone, a link that 404s is a dead end.
func (s *shopper) linksWork(p page) {
	s.t.Helper()
	visitor := newShopper(s.t, s.stack)
	visitor.host = s.host
	for _, m := range hrefRe.FindAllStringSubmatch(p.Body, -1) {
		href := html.UnescapeString(m[1])
		require.Equal(s.t, http.StatusOK, visitor.get(href).Status, "link %s", href)
	}
}

func TestEveryShopLinkOpensAPage(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	_, ps := products(t, s)
	sh := newShopper(t, s)
	order := sh.buy(ps[0].ID, "0700000002") // the customer cancels the prompt
	failed := sh.until(order, "Payment not completed")
	retry := strings.Replace(order, "?t=", "/pay?t=", 1)
	pages := map[string]page{"store": sh.get("/s/demo"), "product": sh.get("/s/demo/p/" + ps[0].ID),
		"empty cart": sh.get("/s/demo/cart"), "failed order": failed,
		"retry refused": sh.post(retry, url.Values{"phone": {"12"}})}
	sh.post("/s/demo/cart", url.Values{"product_id": {ps[1].ID}, "op": {"add"}})
	pages["cart"] = sh.get("/s/demo/cart")
	// A checkout the form refuses re-shows the cart; its language switch
	// must lead to a page a GET can open, not to the POST's address.
	pages["checkout refused"] = sh.post("/s/demo/checkout", url.Values{"phone": {"0712345678"}})
	require.Equal(t, http.StatusBadRequest, pages["checkout refused"].Status)
	require.Contains(t, pages["checkout refused"].Body, `href="/s/demo/cart?lang=sw"`)
	for name, p := range pages {
		t.Run(name, func(t *testing.T) {
			require.Contains(t, p.Body, `class="shop" href="/s/demo"`, "the shop's name in the header goes home")
			require.NotContains(t, p.Body, `href="/s/demo/"`, "routing is strict: /s/demo/ is not the store")
			sh.linksWork(p)
		})
	}
	for _, p := range []page{pages["product"], pages["empty cart"], pages["cart"], sh.get("/s/demo/p/prd_doesnotexist")} {
		require.Regexp(t, `<a (class="btn" )?href="/s/demo">`, p.Body, "back to the shop")
	}
}

func TestShopAddressWithTrailingSlashRedirects(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	_, ps := products(t, s)
	sh := newShopper(t, s)
	for typed, want := range map[string]string{"/s/demo/": "/s/demo", "/s/demo/cart/?lang=sw": "/s/demo/cart?lang=sw",
		"/s/demo/p/" + ps[0].ID + "/": "/s/demo/p/" + ps[0].ID} {
		res := sh.get(typed)
		require.Equal(t, http.StatusMovedPermanently, res.Status, typed)
		require.Equal(t, want, res.Location, typed)
		require.Equal(t, http.StatusOK, sh.get(res.Location).Status, want)
	}
	require.Equal(t, http.StatusNotFound, sh.get("/s/").Status)
	require.Equal(t, http.StatusNotFound, sh.post("/s/demo/cart/", url.Values{"product_id": {ps[0].ID}, "op": {"add"}}).Status,
		"a form is not redirected: it would be sent again without its body")
}

func TestStoreHostLinksAndTrailingSlash(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{Env: map[string]string{"SOKOHUB_STOREFRONT_DOMAIN": "shops.sokohub.test"}})
	_, ps := products(t, s)
	sh := newShopper(t, s)
	sh.host = "demo.shops.sokohub.test"
	for typed, want := range map[string]string{"/cart/": "/cart", "/p/" + ps[0].ID + "/?lang=en": "/p/" + ps[0].ID + "?lang=en"} {
		res := sh.get(typed)
		require.Equal(t, http.StatusMovedPermanently, res.Status, typed)
		require.Equal(t, want, res.Location, typed)
	}
	sh.post("/cart", url.Values{"product_id": {ps[0].ID}, "op": {"add"}})
	for _, path := range []string{"/", "/p/" + ps[0].ID, "/cart"} {
		p := sh.get(path)
		require.Equal(t, http.StatusOK, p.Status, path)
		require.Contains(t, p.Body, `class="shop" href="/"`, path)
		require.NotContains(t, p.Body, "/s/demo", path)
		sh.linksWork(p)
	}
}
