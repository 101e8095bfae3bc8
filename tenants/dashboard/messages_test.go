package dashboard_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/devstack"
	"github.com/sokohub/sokohub/internal/devstack/stacktest"
)

var fieldErrRe = regexp.MustCompile(`<p class="err"[^>]*>([^<]*)</p>`)

// sentenceRe is a message a merchant reads as a sentence: a capital
// first, a full stop last (not "use 8 to 72 characters").
var sentenceRe = regexp.MustCompile(`^[A-Z].*[.]$`)

func TestFormMessagesAreSentences(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	anon := newMerchant(t, s)
	m := newMerchant(t, s)
	m.login(devstack.DemoEmail, devstack.DemoPassword)
	for name, c := range map[string]struct {
		who        *merchant
		from, path string
		form       url.Values
		want       string
	}{
		"short password": {anon, "/dashboard/signup", "/dashboard/signup",
			url.Values{"name": {"Amani"}, "email": {"amani@duka.test"}, "password": {"short"}}, "Use a password of 8 to 72 characters."},
		"bad email": {anon, "/dashboard/signup", "/dashboard/signup",
			url.Values{"name": {"Amani"}, "email": {"amani-at-duka"}, "password": {"amani-password"}}, "Enter a valid email address, like you@example.com."},
		"no name": {anon, "/dashboard/signup", "/dashboard/signup",
			url.Values{"email": {"amani@duka.test"}, "password": {"amani-password"}}, "Enter your name (up to 100 characters)."},
		"bad web address": {m, "/dashboard/new", "/dashboard/new", url.Values{"name": {"Duka"}, "slug": {"-x"}},
			"Use 3 to 40 lowercase letters, digits or dashes for the web address, not starting or ending with a dash."},
		"reserved web address": {m, "/dashboard/new", "/dashboard/new", url.Values{"name": {"Duka"}, "slug": {"admin"}},
			"This web address is kept for SokoHub's own pages. Please choose another."},
		"bad price": {m, "/dashboard/demo/products/new", "/dashboard/demo/products/new", url.Values{"name": {"Kikoi"}, "price": {"15.50"}},
			"Enter the price in whole shillings, like 1500. M-Pesa takes KES 1 to 250,000."},
		"bad stock": {m, "/dashboard/demo/products/new", "/dashboard/demo/products/new", url.Values{"name": {"Kikoi"}, "price": {"1500"}, "stock": {"lots"}},
			"Enter how many you have in stock, as a whole number like 10."},
		"no product name": {m, "/dashboard/demo/products/new", "/dashboard/demo/products/new", url.Values{"price": {"1500"}, "stock": {"1"}},
			"Enter the product's name (up to 120 characters)."},
		"no store name": {m, "/dashboard/demo/setup/store", "/dashboard/demo/setup/store", url.Values{"brand_color": {"#0b6e3a"}, "accent_color": {"#f5b700"}},
			"Enter the store's name (up to 80 characters)."},
		"mpesa": {m, "/dashboard/demo/setup/mpesa", "/dashboard/demo/setup/mpesa",
			url.Values{"environment": {"sandbox"}, "type": {"paybill"}, "shortcode": {"12"}, "passkey": {"pk "}},
			"Enter the shortcode (BusinessShortCode), the paybill or store number: 5 to 7 digits."},
		"webhook": {m, "/dashboard/demo/webhooks", "/dashboard/demo/webhooks", url.Values{"url": {"ftp://x"}, "event_order.paid": {"1"}},
			"Enter your server's full address, starting with https://, with no user name or password in it."},
	} {
		t.Run(name, func(t *testing.T) {
			var res page
			if c.who == anon {
				res = anon.post(c.path, c.form) // signing up needs no session, so no CSRF token
			} else {
				res = m.submit(c.from, c.path, c.form)
			}
			require.Equal(t, http.StatusBadRequest, res.Status, res.Body)
			msgs := fieldErrRe.FindAllStringSubmatch(res.Body, -1)
			require.NotEmpty(t, msgs)
			var all []string
			for _, m := range msgs {
				msg := html.UnescapeString(m[1])
				require.Regexp(t, sentenceRe, msg)
				all = append(all, msg)
			}
			require.Contains(t, all, c.want)
		})
	}
}
