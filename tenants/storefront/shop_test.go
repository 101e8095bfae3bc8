package storefront_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/devstack"
	"github.com/sokohub/sokohub/tenants/catalog"
	"github.com/sokohub/sokohub/tenants/stores"
)

// shopper is a phone's browser without JavaScript: it keeps cookies and
// shows redirects instead of following them.
type shopper struct {
	t     *testing.T
	stack *devstack.Stack
	http  *http.Client
	host  string
}

type page struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

func newShopper(t *testing.T, s *devstack.Stack) *shopper {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &shopper{t: t, stack: s, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (s *shopper) do(method, path string, form url.Values) page {
	s.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.stack.URL+path, body)
	require.NoError(s.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if s.host != "" {
		req.Host = s.host
	}
	res, err := s.http.Do(req)
	require.NoError(s.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(s.t, err)
	return page{Status: res.StatusCode, Body: string(b), Location: res.Header.Get("Location"), Header: res.Header}
}

func (s *shopper) get(path string) page { return s.do(http.MethodGet, path, nil) }

func (s *shopper) post(path string, form url.Values) page { return s.do(http.MethodPost, path, form) }

// products returns the demo store and its products.
func products(t *testing.T, s *devstack.Stack) (*stores.Store, []catalog.Product) {
	ctx := context.Background()
	st, err := stores.BySlug(ctx, s.App.DB, devstack.DemoSlug)
	require.NoError(t, err)
	ps, err := catalog.List(ctx, s.App.DB, st.ID)
	require.NoError(t, err)
	require.NotEmpty(t, ps)
	return st, ps
}

// buy puts product id in the cart and checks out with phone; it returns
// the order page's path.
func (s *shopper) buy(id, phone string) string {
	s.t.Helper()
	res := s.post("/s/demo/cart", url.Values{"product_id": {id}, "op": {"add"}, "qty": {"2"}})
	require.Equal(s.t, http.StatusSeeOther, res.Status, res.Body)
	res = s.post("/s/demo/checkout", url.Values{"name": {"Wanjiku"}, "phone": {phone}, "note": {"Gate B, blue door"}})
	require.Equal(s.t, http.StatusSeeOther, res.Status, res.Body)
	require.Regexp(s.t, `^/s/demo/orders/ord_[0-9a-z]+\?t=`, res.Location)
	return res.Location
}

// until polls the order page until it contains want; the bound only keeps
// a broken build from hanging.
func (s *shopper) until(path, want string) page {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		p := s.get(path)
		if strings.Contains(p.Body, want) {
			return p
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("order page never showed %q; last:\n%s", want, p.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var tagRe = regexp.MustCompile(`<[^>]+>`)

// textOf is a page's visible text, whitespace collapsed.
func textOf(html string) string {
	return strings.Join(strings.Fields(tagRe.ReplaceAllString(html, " ")), " ")
}
