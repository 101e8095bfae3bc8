package dashboard_test

import (
	"context"
	"io"
	"mime/multipart"
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
	"github.com/sokohub/sokohub/tenants/checkout"
	"github.com/sokohub/sokohub/tenants/orders"
	"github.com/sokohub/sokohub/tenants/stores"
)

// merchant is a browser without JavaScript, logged in to the dashboard.
type merchant struct {
	t     *testing.T
	stack *devstack.Stack
	http  *http.Client
}

type page struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func newMerchant(t *testing.T, s *devstack.Stack) *merchant {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &merchant{t: t, stack: s, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// login signs in through the login form, as a person would.
func (m *merchant) login(email, password string) {
	m.t.Helper()
	form := m.get("/login?next=/dashboard")
	res := m.post("/login", url.Values{"email": {email}, "password": {password}, "next": {"/dashboard"},
		"_csrf": {csrfOf(m.t, form.Body)}})
	require.Equal(m.t, http.StatusSeeOther, res.Status, res.Body)
}

func csrfOf(t *testing.T, body string) string {
	m := csrfRe.FindStringSubmatch(body)
	require.NotNil(t, m, "no CSRF field in the page")
	return m[1]
}

func (m *merchant) send(req *http.Request) page {
	m.t.Helper()
	res, err := m.http.Do(req)
	require.NoError(m.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(m.t, err)
	return page{Status: res.StatusCode, Body: string(b), Location: res.Header.Get("Location"), Header: res.Header}
}

func (m *merchant) get(path string) page {
	req, err := http.NewRequest(http.MethodGet, m.stack.URL+path, nil)
	require.NoError(m.t, err)
	return m.send(req)
}

func (m *merchant) post(path string, form url.Values) page {
	req, err := http.NewRequest(http.MethodPost, m.stack.URL+path, strings.NewReader(form.Encode()))
	require.NoError(m.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return m.send(req)
}

// submit posts form with the CSRF token of the page at from.
func (m *merchant) submit(from, path string, form url.Values) page {
	m.t.Helper()
	form.Set("_csrf", csrfOf(m.t, m.get(from).Body))
	return m.post(path, form)
}

// upload posts a multipart form with one file, with the CSRF token.
func (m *merchant) upload(from, path string, fields map[string]string, field string, file []byte) page {
	m.t.Helper()
	var body strings.Builder
	w := multipart.NewWriter(&body)
	fields["_csrf"] = csrfOf(m.t, m.get(from).Body)
	for k, v := range fields {
		require.NoError(m.t, w.WriteField(k, v))
	}
	fw, err := w.CreateFormFile(field, "photo.png")
	require.NoError(m.t, err)
	_, err = fw.Write(file)
	require.NoError(m.t, err)
	require.NoError(m.t, w.Close())
	req, err := http.NewRequest(http.MethodPost, m.stack.URL+path, strings.NewReader(body.String()))
	require.NoError(m.t, err)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return m.send(req)
}

var tagRe = regexp.MustCompile(`<[^>]+>`)

func textOf(html string) string {
	return strings.Join(strings.Fields(tagRe.ReplaceAllString(html, " ")), " ")
}

// demo returns the demo store and its products.
func demo(t *testing.T, s *devstack.Stack) (*stores.Store, []catalog.Product) {
	ctx := context.Background()
	st, err := stores.BySlug(ctx, s.App.DB, devstack.DemoSlug)
	require.NoError(t, err)
	ps, err := catalog.List(ctx, s.App.DB, st.ID)
	require.NoError(t, err)
	return st, ps
}

// buy places an order for product p with phone and waits until it is
// paid (or, for a failing test number, until its attempt resolved).
func buy(t *testing.T, s *devstack.Stack, st *stores.Store, p catalog.Product, phone, name string, wantPaid bool) *orders.Order {
	t.Helper()
	ctx := context.Background()
	placed, err := s.App.Checkout.Place(ctx, st, checkout.Cart{Items: []checkout.Line{{ProductID: p.ID, Quantity: 1}},
		Phone: phone, Name: name})
	require.NoError(t, err)
	deadline := time.Now().Add(60 * time.Second)
	for {
		o, err := orders.Get(ctx, s.App.DB, st.ID, placed.Order.ID)
		require.NoError(t, err)
		if !wantPaid || o.Status == orders.StatusPaid && o.Receipt != "" {
			return o
		}
		require.False(t, time.Now().After(deadline), "order never paid")
		time.Sleep(50 * time.Millisecond)
	}
}

func regexpFind(t *testing.T, pattern, s string) string {
	m := regexp.MustCompile(pattern).FindString(s)
	require.NotEmpty(t, m, "no %s in the page", pattern)
	return m
}
