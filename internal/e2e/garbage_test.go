package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/devstack/stacktest"
)

// garbage is bodies no handler may choke on.
var garbage = []string{"", "{", "[]", "null", `""`, "\x00\xff\xfe", `{"a":` + strings.Repeat("[", 5000), strings.Repeat("A", 70000),
	`{"items":[{"product_id":1,"quantity":"x"}]}`, `{"email":{"$ne":null},"password":[]}`, `{"price":1e309}`,
	`{"price":-9223372036854775808,"stock":9223372036854775807}`, `{"url":"http://[::1]:0/\u0000"}`}

// TestNoRouteFailsOnGarbage sends every body in garbage to every write
// route the gateway registers (as an authenticated merchant, with route
// parameters filled in): each answer is a 4xx (or a 2xx for callbacks),
// never a 5xx or a dropped connection. New routes are covered as they are
// added.
func TestNoRouteFailsOnGarbage(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{})
	c := client{t: t, base: stack.URL}
	s := setupShop(t, c, "garbage")
	tried := 0
	for _, r := range stack.Gateway.GetRoutes(true) {
		if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch && r.Method != http.MethodDelete {
			continue
		}
		if strings.HasPrefix(r.Path, "/daraja") {
			continue // the simulator is fuzzed on its own (FuzzPushBody)
		}
		path := fill(r.Path)
		for _, body := range garbage {
			for _, ctype := range []string{"application/json", "application/x-www-form-urlencoded"} {
				req, err := http.NewRequest(r.Method, stack.URL+path, strings.NewReader(body))
				require.NoError(t, err)
				req.Header.Set("Content-Type", ctype)
				req.Header.Set(s.auth[0], s.auth[1])
				res, err := http.DefaultClient.Do(req)
				require.NoError(t, err, "%s %s", r.Method, path)
				res.Body.Close()
				require.Less(t, res.StatusCode, 500, "%s %s (%s) answered %d to %.40q", r.Method, path, ctype, res.StatusCode, body)
				tried++
			}
		}
	}
	require.Greater(t, tried, 100, "the walk found the write routes")
}

// fill replaces route parameters with values that exist (the store) or
// look real (ids).
func fill(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		switch {
		case p == ":slug":
			parts[i] = "garbage"
		case strings.HasPrefix(p, ":"), p == "*":
			parts[i] = "x_01jzzzzzzzzzzzzzzzzzzzzzzz"
		}
	}
	return strings.Join(parts, "/")
}

// TestPathVariantsDoNotSkipTheGate: a trailing slash or other letter case
// must not reach a guarded handler without its checks.
func TestPathVariantsDoNotSkipTheGate(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{})
	c := client{t: t, base: stack.URL}
	for _, path := range []string{"/admin/", "/admin/audit/", "/ADMIN", "/Admin/stores", "/api/v1/stores/demo/orders/",
		"/api/v1/stores/demo/notifications/", "/API/v1/stores/demo/orders", "/api/v1/admin/stores/", "/dashboard/demo/orders/"} {
		r := c.do("GET", path, nil)
		if r.Status == 200 {
			require.Contains(t, string(r.Body), "<title>Log in", "%s served a page without login", path)
			continue
		}
		require.Contains(t, []int{301, 302, 303, 307, 308, 401, 403, 404}, r.Status, "%s answered %d: %.200s", path, r.Status, r.Body)
		require.NotContains(t, string(r.Body), "demo@sokohub.test", "%s leaked store data", path)
	}
}

// TestNULIsRefusedEverywhere: a NUL in JSON text, a form or a query is a
// 400, never a broken SQL statement.
// A mistyped address opened in a browser gets a readable page; the API
// and clients that do not ask for HTML keep the JSON error.
func TestUnknownPathsAnswerInTheirClientsFormat(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{})
	c := client{t: t, base: stack.URL}
	browser := "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	page := c.do("GET", "/no-such-page", nil, "Accept", browser)
	require.Equal(t, 404, page.Status)
	require.Contains(t, strings.ToLower(string(page.Body)), "<html")
	for _, r := range []reply{c.do("GET", "/no-such-page", nil), c.do("GET", "/api/v1/no-such-thing", nil, "Accept", browser)} {
		require.Equal(t, 404, r.Status)
		require.Contains(t, string(r.Body), `"error":{"code":`)
	}
}

func TestNULIsRefusedEverywhere(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{})
	c := client{t: t, base: stack.URL}
	s := setupShop(t, c, "nul")
	r := c.do("POST", "/api/v1/storefront/nul/orders", `{"items":[{"product_id":"`+s.productID+`","quantity":1}],"phone":"0712345678","customer":{"name":"a\u0000"}}`)
	require.Equal(t, 400, r.Status, "%s", r.Body)
	r = c.do("POST", "/api/v1/signup", `{"email":"n@example.com","password":"12345678","name":"a\u0000b"}`)
	require.Equal(t, 400, r.Status, "%s", r.Body)
	r = c.do("GET", "/api/v1/stores/nul/events?after=%00", nil, s.auth...)
	require.Equal(t, 400, r.Status, "%s", r.Body)
	req, err := http.NewRequest("POST", stack.URL+"/s/nul/checkout", strings.NewReader("name=a%00b&phone=0712345678"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, 400, res.StatusCode)
	require.Empty(t, c.do("GET", "/api/v1/stores/nul/orders", nil, s.auth...).json(t)["data"], "nothing was written")
}
