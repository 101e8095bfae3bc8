package policy_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/app"
	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/auth/authweb"
	"github.com/sokohub/sokohub/internal/devstack/stacktest"
	"github.com/sokohub/sokohub/tenants/stores"
)

// allowed is the expected policy, written out by hand (not derived from
// rules.go): for each route, who gets through. "public" is everyone; the
// other words are the principals of the matrix. A route the gateway
// serves that is missing here fails the test.
var allowed = map[string]string{
	"GET /healthz":                                      "public",
	"GET /readyz":                                       "public",
	"GET /metrics":                                      "public",
	"POST /callbacks/stk/:token":                        "public",
	"POST /api/v1/signup":                               "public",
	"POST /api/v1/login":                                "public",
	"GET /api/v1/openapi.json":                          "public",
	"GET /login":                                        "public",
	"POST /login":                                       "public",
	"GET /invitations/:token":                           "public",
	"POST /invitations/:token":                          "public",
	"GET /api/v1/storefront/:slug/products":             "public",
	"POST /api/v1/storefront/:slug/orders":              "public",
	"GET /api/v1/storefront/:slug/orders/:id":           "public",
	"POST /api/v1/storefront/:slug/orders/:id/payments": "public",
	"GET /":                          "public",
	"GET /s/:slug":                   "public",
	"GET /s/:slug/media/:name":       "public",
	"GET /s/:slug/p/:id":             "public",
	"GET /s/:slug/cart":              "public",
	"POST /s/:slug/cart":             "public",
	"POST /s/:slug/checkout":         "public",
	"GET /s/:slug/orders/:id":        "public",
	"GET /s/:slug/orders/:id/status": "public",
	"POST /s/:slug/orders/:id/pay":   "public",

	// A store's dashboard pages admit the platform admin only as its owner,
	// under support access (admin-sup).
	"GET /dashboard/signup":                                          "public",
	"POST /dashboard/signup":                                         "public",
	"GET /dashboard":                                                 "admin support owner staff other",
	"GET /dashboard/new":                                             "admin support owner staff other",
	"POST /dashboard/new":                                            "admin support owner staff other",
	"GET /dashboard/:slug":                                           "support owner staff",
	"GET /dashboard/:slug/setup":                                     "owner",
	"GET /dashboard/:slug/setup/store":                               "owner",
	"POST /dashboard/:slug/setup/store":                              "owner",
	"GET /dashboard/:slug/setup/mpesa":                               "owner",
	"POST /dashboard/:slug/setup/mpesa":                              "owner",
	"POST /dashboard/:slug/setup/mpesa/test":                         "owner",
	"GET /dashboard/:slug/setup/product":                             "owner",
	"POST /dashboard/:slug/setup/product":                            "owner",
	"GET /dashboard/:slug/setup/share":                               "owner",
	"GET /dashboard/:slug/orders":                                    "support owner staff",
	"GET /dashboard/:slug/orders.csv":                                "support owner staff",
	"GET /dashboard/:slug/orders/:id":                                "support owner staff",
	"POST /dashboard/:slug/orders/:id/fulfil":                        "owner staff",
	"GET /dashboard/:slug/products":                                  "support owner staff",
	"GET /dashboard/:slug/products/new":                              "owner staff",
	"POST /dashboard/:slug/products/new":                             "owner staff",
	"GET /dashboard/:slug/products/:id":                              "support owner staff",
	"POST /dashboard/:slug/products/:id":                             "owner staff",
	"GET /dashboard/:slug/webhooks":                                  "support owner",
	"POST /dashboard/:slug/webhooks":                                 "owner",
	"POST /dashboard/:slug/webhooks/:id/rotate":                      "owner",
	"POST /dashboard/:slug/webhooks/:id/test":                        "owner",
	"POST /dashboard/:slug/webhooks/:id/resume":                      "owner",
	"POST /dashboard/:slug/webhooks/:id/deliveries/:delivery/replay": "owner",
	"GET /dashboard/:slug/payments":                                  "support owner staff",
	"POST /dashboard/:slug/payments/:id/resolve":                     "owner",
	"GET /dashboard/:slug/settings/notifications":                    "support owner",
	"POST /dashboard/:slug/settings/notifications":                   "owner",

	"POST /logout":        "admin support owner staff other",
	"GET /api/v1/me":      "admin support owner staff other",
	"POST /api/v1/stores": "admin support owner staff other",

	"GET /api/v1/stores/:slug":                                           "admin support owner staff key-or key-ow key-pw",
	"GET /api/v1/stores/:slug/mpesa":                                     "admin owner",
	"PUT /api/v1/stores/:slug/mpesa":                                     "admin owner",
	"POST /api/v1/stores/:slug/mpesa/test":                               "admin owner",
	"GET /api/v1/stores/:slug/products":                                  "admin support owner staff key-pw",
	"POST /api/v1/stores/:slug/products":                                 "admin owner staff key-pw",
	"GET /api/v1/stores/:slug/orders":                                    "admin support owner staff key-or",
	"GET /api/v1/stores/:slug/orders/:id":                                "admin support owner staff key-or",
	"GET /api/v1/stores/:slug/events":                                    "admin support owner staff key-or",
	"GET /api/v1/stores/:slug/notifications":                             "admin support owner staff",
	"GET /api/v1/stores/:slug/notifications/settings":                    "admin support owner",
	"PUT /api/v1/stores/:slug/notifications/settings":                    "admin owner",
	"GET /api/v1/stores/:slug/payment-issues":                            "admin support owner staff key-or",
	"POST /api/v1/stores/:slug/payment-issues/:id/resolve":               "admin owner",
	"PUT /api/v1/stores/:slug/settings":                                  "admin owner",
	"GET /api/v1/stores/:slug/audit":                                     "admin support owner",
	"GET /api/v1/stores/:slug/webhooks":                                  "admin support owner",
	"POST /api/v1/stores/:slug/webhooks":                                 "admin owner",
	"GET /api/v1/stores/:slug/webhooks/deliveries":                       "admin support owner",
	"GET /api/v1/stores/:slug/webhooks/:id":                              "admin support owner",
	"GET /api/v1/stores/:slug/webhooks/:id/deliveries":                   "admin support owner",
	"POST /api/v1/stores/:slug/webhooks/:id/deliveries/:delivery/replay": "admin owner",
	"POST /api/v1/stores/:slug/webhooks/:id/recover":                     "admin owner",
	"POST /api/v1/stores/:slug/webhooks/:id/test":                        "admin owner",
	"POST /api/v1/stores/:slug/webhooks/:id/rotate":                      "admin owner",
	"POST /api/v1/stores/:slug/webhooks/:id/resume":                      "admin owner",
	"GET /api/v1/stores/:slug/keys":                                      "admin support owner",
	"POST /api/v1/stores/:slug/keys":                                     "admin owner",
	"DELETE /api/v1/stores/:slug/keys/:id":                               "admin owner",
	"GET /api/v1/stores/:slug/members":                                   "admin support owner",
	"POST /api/v1/stores/:slug/invitations":                              "admin owner",
	"PUT /api/v1/stores/:slug/members/:user":                             "admin owner",
	"DELETE /api/v1/stores/:slug/members/:user":                          "admin owner",

	"GET /api/v1/admin/stores":                   "admin support",
	"GET /api/v1/admin/stores/:slug":             "admin support",
	"POST /api/v1/admin/stores/:slug/suspend":    "admin",
	"POST /api/v1/admin/stores/:slug/reactivate": "admin",
	"GET /api/v1/admin/audit":                    "admin support",
	"GET /admin":                                 "admin support",
	"GET /admin/stores/:slug":                    "admin support",
	"POST /admin/stores/:slug/suspend":           "admin",
	"POST /admin/stores/:slug/reactivate":        "admin",
	"POST /admin/stores/:slug/support":           "admin",
	"POST /admin/support/end":                    "admin",
	"GET /admin/audit":                           "admin support",
	"POST /admin/queues/:queue/archived/run":     "admin",
	"POST /admin/queues/:queue/archived/delete":  "admin",
	"GET /admin/queues":                          "admin support",
}

// principals of the matrix: everyone signs in with a bearer token except
// anon and the admin's browser sessions; "other" owns another store; key-*
// are API keys of the store (orders:read, orders:write, products:write)
// and key-x one of another store with every scope. "admin-sup" is the
// admin's session under support access to the store, "admin-sup-x" under
// support access to the other store.
var principals = []string{"anon", "admin", "support", "owner", "staff", "other", "key-or", "key-ow", "key-pw", "key-x",
	"admin-sup", "admin-sup-x"}

// expected tells whether who gets through a route whose allowed row is
// want. Support access adds the owner's rights to the admin's, in the
// grant's store only.
func expected(want, who string) bool {
	in := func(w string) bool { return want == "public" || strings.Contains(" "+want+" ", " "+w+" ") }
	switch who {
	case "admin-sup":
		return in("admin") || in("owner")
	case "admin-sup-x":
		return in("admin")
	default:
		return in(who)
	}
}

// TestRouteRoleMatrix calls every route the gateway serves as every
// principal and checks the gate's decision against allowed. It mirrors
// the gateway's routes on an app whose handlers only answer "reached", so
// the answer is the policy's and not a handler's.
func TestRouteRoleMatrix(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{})
	a := stack.App
	creds := fixtures(t, a)

	mirror := fiber.New(fiber.Config{ErrorHandler: mirrorErrors})
	mirror.Use(a.Web.Identify, a.Policy.Gate(policy.GateConfig{DB: a.DB, CSRF: a.Web.CheckCSRF,
		OnStore: func(*fiber.Ctx, *stores.Store) {}, Logger: a.Log}))
	var routes []fiber.Route
	for _, r := range stack.Gateway.GetRoutes(true) {
		if r.Method == http.MethodHead || strings.HasPrefix(r.Path, "/daraja") {
			continue
		}
		routes = append(routes, r)
		mirror.Add(r.Method, r.Path, func(c *fiber.Ctx) error { return c.SendString("reached") })
	}
	checked := 0
	for _, r := range routes {
		key := r.Method + " " + r.Path
		want, ok := allowed[key]
		require.True(t, ok, "%s has no row in the matrix's allowed table", key)
		for _, who := range principals {
			req := httptest.NewRequest(r.Method, fillPath(r.Path), nil)
			creds[who].sign(req)
			res, err := mirror.Test(req, -1)
			require.NoError(t, err)
			got := res.StatusCode == 200
			require.Equal(t, expected(want, who), got, "%s as %s: status %d", key, who, res.StatusCode)
			if !got && who == "anon" {
				require.Contains(t, []int{401, 303}, res.StatusCode, "%s anonymously: 401, or the login page for pages", key)
			}
			if !got && (who == "other" || who == "key-x") && strings.Contains(r.Path, ":slug") && !strings.HasPrefix(r.Path, "/api/v1/admin") && !strings.HasPrefix(r.Path, "/admin") {
				require.Equal(t, 404, res.StatusCode, "%s as %s: another store answers like none", key, who)
			}
			if !got && strings.HasPrefix(who, "admin") && strings.HasPrefix(r.Path, "/dashboard/:slug") {
				require.Equal(t, 403, res.StatusCode, "%s as %s: the admin is told to start support access", key, who)
			}
			checked++
		}
	}
	require.Greater(t, checked, 500)
}

// fillPath puts the matrix store's slug and plausible ids in a template.
func fillPath(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		switch {
		case p == ":slug":
			parts[i] = "matrix"
		case strings.HasPrefix(p, ":"):
			parts[i] = "x_01jzzzzzzzzzzzzzzzzzzzzzzz"
		}
	}
	return strings.Join(parts, "/")
}

// credential is how a principal of the matrix signs its requests: a
// bearer value, or a session cookie with its CSRF token.
type credential struct{ bearer, session, csrf string }

func (c credential) sign(req *http.Request) {
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if c.session != "" {
		req.AddCookie(&http.Cookie{Name: authweb.SessionCookie, Value: c.session})
		req.Header.Set(authweb.CSRFHeader, c.csrf)
	}
}

// fixtures makes the matrix's people, stores, keys and support grants and
// returns each principal's credential.
func fixtures(t *testing.T, a *app.App) map[string]credential {
	t.Helper()
	ctx := context.Background()
	svc := a.Auth.WithCost(bcrypt.MinCost)
	creds := map[string]credential{}
	user := func(name string) *auth.User {
		u, tok, err := svc.Signup(ctx, name+"@matrix.test", "correct horse", name)
		require.NoError(t, err)
		creds[name] = credential{bearer: tok}
		return u
	}
	owner, other, staff, admin := user("owner"), user("other"), user("staff"), user("admin")
	require.NoError(t, a.Policy.SetPlatformRole(admin.ID, policy.RolePlatformAdmin))
	require.NoError(t, a.Policy.SetPlatformRole(user("support").ID, policy.RolePlatformSupport))
	st, err := stores.Create(ctx, a.DB, owner.ID, "matrix", "Matrix")
	require.NoError(t, err)
	require.NoError(t, a.Policy.SetStoreRole(owner.ID, st.ID, policy.RoleOwner))
	require.NoError(t, a.Policy.SetStoreRole(staff.ID, st.ID, policy.RoleStaff))
	elsewhere, err := stores.Create(ctx, a.DB, other.ID, "elsewhere", "Elsewhere")
	require.NoError(t, err)
	require.NoError(t, a.Policy.SetStoreRole(other.ID, elsewhere.ID, policy.RoleOwner))
	key := func(storeID, by string, scopes ...string) credential {
		_, raw, err := a.Auth.CreateKey(ctx, storeID, by, "matrix", scopes)
		require.NoError(t, err)
		return credential{bearer: raw}
	}
	creds["key-or"] = key(st.ID, owner.ID, auth.ScopeOrdersRead)
	creds["key-ow"] = key(st.ID, owner.ID, auth.ScopeOrdersWrite)
	creds["key-pw"] = key(st.ID, owner.ID, auth.ScopeProductsWrite)
	creds["key-x"] = key(elsewhere.ID, other.ID, auth.Scopes...)
	creds["admin-sup"] = supportSession(t, a, admin, st, owner)
	creds["admin-sup-x"] = supportSession(t, a, admin, elsewhere, other)
	return creds
}

// supportSession is a browser session of admin acting as owner of st.
func supportSession(t *testing.T, a *app.App, admin *auth.User, st *stores.Store, owner *auth.User) credential {
	ctx := context.Background()
	raw, sess, err := a.Auth.StartSession(ctx, admin.ID, "192.0.2.1")
	require.NoError(t, err)
	_, err = a.Auth.StartSupport(ctx, sess, st.ID, owner, "the matrix checks support access", auth.SupportMaxTTL)
	require.NoError(t, err)
	// The session's CSRF token, as its pages would carry it.
	tokens := fiber.New()
	tokens.Use(a.Web.Identify)
	tokens.Get("/", func(c *fiber.Ctx) error { return c.SendString(a.Web.CSRFToken(c)) })
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(&http.Cookie{Name: authweb.SessionCookie, Value: raw})
	res, err := tokens.Test(req, -1)
	require.NoError(t, err)
	csrf, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.NotEmpty(t, csrf)
	return credential{session: raw, csrf: string(csrf)}
}
