package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/devstack"
)

// browser is a person using the pages: cookies kept, redirects not
// followed (so tests see them), forms posted with their CSRF token.
type browser struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browser{t: t, base: base, hc: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	Status int
	Body   string
	Header http.Header
}

func (b *browser) get(path string) page { return b.send("GET", path, nil) }

func (b *browser) post(path string, form url.Values) page { return b.send("POST", path, form) }

func (b *browser) send(method, path string, form url.Values) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	require.NoError(b.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := b.hc.Do(req)
	require.NoError(b.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(b.t, err)
	return page{Status: res.StatusCode, Body: string(raw), Header: res.Header}
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf is the CSRF token in a page's forms.
func (p page) csrf(t *testing.T) string {
	m := csrfRe.FindStringSubmatch(p.Body)
	require.NotNil(t, m, "no CSRF token in the page: %.300s", p.Body)
	return m[1]
}

// login signs in through the login form and returns the page it lands on.
func (b *browser) login(email, password, next string) page {
	b.t.Helper()
	form := b.get("/login?next=" + url.QueryEscape(next))
	require.Equal(b.t, 200, form.Status)
	res := b.post("/login", url.Values{"_csrf": {form.csrf(b.t)}, "email": {email}, "password": {password}, "next": {next}})
	return res
}

// logs collects a stack's log lines, to scan them for secrets.
type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

const (
	adminEmail    = "root@sokohub.test"
	adminPassword = "root-password-123"
)

// adminEnv makes the dev stack create the platform admin at start.
var adminEnv = map[string]string{"SOKOHUB_ADMIN_EMAIL": adminEmail, "SOKOHUB_ADMIN_PASSWORD": adminPassword}

// bearer logs in through the API and returns the Authorization header.
func bearer(t *testing.T, c client, email, password string) []string {
	t.Helper()
	r := c.do("POST", "/api/v1/login", map[string]any{"email": email, "password": password})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	return []string{"Authorization", "Bearer " + str(r.json(t)["token"])}
}

// person signs a user up through the API and returns them with their
// Authorization header.
func person(t *testing.T, c client, email string) (id string, auth []string) {
	t.Helper()
	r := c.do("POST", "/api/v1/signup", map[string]any{"email": email, "password": "correct horse", "name": "Wanjiru"})
	require.Equal(t, 201, r.Status, "%s", r.Body)
	m := r.json(t)
	return str(dig(m, "user", "id")), []string{"Authorization", "Bearer " + str(m["token"])}
}

// makeSupport gives an existing user the platform_support role.
func makeSupport(t *testing.T, stack *devstack.Stack, userID string) {
	require.NoError(t, stack.App.Policy.SetPlatformRole(userID, policy.RolePlatformSupport))
}

// staffOf adds userID to the shop as staff, as an accepted invitation does.
func staffOf(t *testing.T, stack *devstack.Stack, slug, userID string) {
	st, err := storeBySlug(stack, slug)
	require.NoError(t, err)
	require.NoError(t, stack.App.Policy.SetStoreRole(userID, st, policy.RoleStaff))
}

func storeBySlug(stack *devstack.Stack, slug string) (string, error) {
	var id string
	err := stack.App.DB.NewSelect().Table("stores").Column("id").Where("slug = ?", slug).Scan(context.Background(), &id)
	return id, err
}
