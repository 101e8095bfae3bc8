package policy

import (
	"github.com/sokohub/sokohub/internal/auth"
)

// Who is a set of subjects a route admits.
type Who uint16

// Subjects of the route table.
const (
	Public Who = 1 << iota
	SignedIn
	Admin
	Support
	Owner
	Staff
	KeyOrdersRead
	KeyOrdersWrite
	KeyProductsWrite
)

// Handy unions.
const (
	// Platform is both platform roles.
	Platform = Admin | Support
	// Members is everyone who works in a store, and the platform.
	Members = Platform | Owner | Staff
	// Managers may change a store's sensitive settings.
	Managers = Admin | Owner
)

var subjectOf = []struct {
	who Who
	sub string
}{
	{Public, Anonymous}, {SignedIn, Authenticated}, {Admin, RolePlatformAdmin}, {Support, RolePlatformSupport},
	{Owner, RoleOwner}, {Staff, RoleStaff}, {KeyOrdersRead, Scope(auth.ScopeOrdersRead)},
	{KeyOrdersWrite, Scope(auth.ScopeOrdersWrite)}, {KeyProductsWrite, Scope(auth.ScopeProductsWrite)},
}

// Route is one route template and who may call it.
type Route struct {
	Method, Path string
	Who          Who
}

// Routes is the whole policy: every route the gateway serves. A route
// missing here is denied (403 no_policy) and fails the route-walk test;
// add new routes here with the narrowest Who that works. HEAD is checked
// as GET.
var Routes = []Route{
	// Public: health, Daraja's callbacks, sign-up and login, the storefront.
	{"GET", "/healthz", Public},
	// Readiness and Prometheus metrics (route templates and counts only;
	// Prometheus scrapes it like the worker's ops port, and the proxy keeps
	// it off the public ingress: deploy/nginx.conf).
	{"GET", "/readyz", Public},
	{"GET", "/metrics", Public},
	{"POST", "/callbacks/stk/:token", Public},
	{"POST", "/api/v1/signup", Public},
	{"POST", "/api/v1/login", Public},
	{"GET", "/api/v1/openapi.json", Public},
	{"GET", "/login", Public},
	{"POST", "/login", Public},
	{"GET", "/api/v1/storefront/:slug/products", Public},
	{"POST", "/api/v1/storefront/:slug/orders", Public},
	{"GET", "/api/v1/storefront/:slug/orders/:id", Public},
	{"POST", "/api/v1/storefront/:slug/orders/:id/payments", Public},
	{"GET", "/", Public},
	{"GET", "/s/:slug", Public},
	{"GET", "/s/:slug/media/:name", Public},
	{"GET", "/s/:slug/p/:id", Public},
	{"GET", "/s/:slug/cart", Public},
	{"POST", "/s/:slug/cart", Public},
	{"POST", "/s/:slug/checkout", Public},
	{"GET", "/s/:slug/orders/:id", Public},
	{"GET", "/s/:slug/orders/:id/status", Public},
	{"POST", "/s/:slug/orders/:id/pay", Public},
	{"GET", "/invitations/:token", Public},
	{"POST", "/invitations/:token", Public},

	// Any signed-in user.
	{"POST", "/logout", SignedIn},
	{"GET", "/api/v1/me", SignedIn},
	{"POST", "/api/v1/stores", SignedIn},

	// A store's merchant API.
	{"GET", "/api/v1/stores/:slug", Members | KeyOrdersRead | KeyOrdersWrite | KeyProductsWrite},
	{"GET", "/api/v1/stores/:slug/mpesa", Managers},
	{"PUT", "/api/v1/stores/:slug/mpesa", Managers},
	{"POST", "/api/v1/stores/:slug/mpesa/test", Managers},
	{"GET", "/api/v1/stores/:slug/products", Members | KeyProductsWrite},
	{"POST", "/api/v1/stores/:slug/products", Admin | Owner | Staff | KeyProductsWrite},
	{"GET", "/api/v1/stores/:slug/orders", Members | KeyOrdersRead},
	{"GET", "/api/v1/stores/:slug/orders/:id", Members | KeyOrdersRead},
	{"GET", "/api/v1/stores/:slug/notifications", Members},
	{"GET", "/api/v1/stores/:slug/notifications/settings", Managers | Support},
	{"PUT", "/api/v1/stores/:slug/notifications/settings", Managers},
	{"GET", "/api/v1/stores/:slug/events", Members | KeyOrdersRead},
	{"GET", "/api/v1/stores/:slug/payment-issues", Members | KeyOrdersRead},
	{"POST", "/api/v1/stores/:slug/payment-issues/:id/resolve", Managers},
	{"PUT", "/api/v1/stores/:slug/settings", Managers},
	{"GET", "/api/v1/stores/:slug/audit", Managers | Support},

	// Webhooks: the owner's (an endpoint's secret opens the event stream).
	{"GET", "/api/v1/stores/:slug/webhooks", Managers | Support},
	{"POST", "/api/v1/stores/:slug/webhooks", Managers},
	{"GET", "/api/v1/stores/:slug/webhooks/deliveries", Managers | Support},
	{"GET", "/api/v1/stores/:slug/webhooks/:id", Managers | Support},
	{"GET", "/api/v1/stores/:slug/webhooks/:id/deliveries", Managers | Support},
	{"POST", "/api/v1/stores/:slug/webhooks/:id/deliveries/:delivery/replay", Managers},
	{"POST", "/api/v1/stores/:slug/webhooks/:id/recover", Managers},
	{"POST", "/api/v1/stores/:slug/webhooks/:id/test", Managers},
	{"POST", "/api/v1/stores/:slug/webhooks/:id/rotate", Managers},
	{"POST", "/api/v1/stores/:slug/webhooks/:id/resume", Managers},

	// API keys and staff: the owner's.
	{"GET", "/api/v1/stores/:slug/keys", Managers | Support},
	{"POST", "/api/v1/stores/:slug/keys", Managers},
	{"DELETE", "/api/v1/stores/:slug/keys/:id", Managers},
	{"GET", "/api/v1/stores/:slug/members", Managers | Support},
	{"POST", "/api/v1/stores/:slug/invitations", Managers},
	{"PUT", "/api/v1/stores/:slug/members/:user", Managers},
	{"DELETE", "/api/v1/stores/:slug/members/:user", Managers},

	// The merchant dashboard's pages (tenants/dashboard). A store's pages
	// name no Admin: a platform admin works there only under support access,
	// as the owner (the gate gives a session's grant the owner role in the
	// grant's store), so what they do there is audited as them acting as
	// the owner, under the dashboard's banner. Without a grant they get a
	// 403 page pointing to the console. platform_support reads as in the API.
	{"GET", "/dashboard/signup", Public},
	{"POST", "/dashboard/signup", Public},
	{"GET", "/dashboard", SignedIn},
	{"GET", "/dashboard/new", SignedIn},
	{"POST", "/dashboard/new", SignedIn},
	{"GET", "/dashboard/:slug", Support | Owner | Staff},
	{"GET", "/dashboard/:slug/setup", Owner},
	{"GET", "/dashboard/:slug/setup/store", Owner},
	{"POST", "/dashboard/:slug/setup/store", Owner},
	{"GET", "/dashboard/:slug/setup/mpesa", Owner},
	{"POST", "/dashboard/:slug/setup/mpesa", Owner},
	{"POST", "/dashboard/:slug/setup/mpesa/test", Owner},
	{"GET", "/dashboard/:slug/setup/product", Owner},
	{"POST", "/dashboard/:slug/setup/product", Owner},
	{"GET", "/dashboard/:slug/setup/share", Owner},
	{"GET", "/dashboard/:slug/orders", Support | Owner | Staff},
	{"GET", "/dashboard/:slug/orders.csv", Support | Owner | Staff},
	{"GET", "/dashboard/:slug/orders/:id", Support | Owner | Staff},
	{"POST", "/dashboard/:slug/orders/:id/fulfil", Owner | Staff},
	{"GET", "/dashboard/:slug/products", Support | Owner | Staff},
	{"GET", "/dashboard/:slug/products/new", Owner | Staff},
	{"POST", "/dashboard/:slug/products/new", Owner | Staff},
	{"GET", "/dashboard/:slug/products/:id", Support | Owner | Staff},
	{"POST", "/dashboard/:slug/products/:id", Owner | Staff},
	{"GET", "/dashboard/:slug/webhooks", Owner | Support},
	{"POST", "/dashboard/:slug/webhooks", Owner},
	{"POST", "/dashboard/:slug/webhooks/:id/rotate", Owner},
	{"POST", "/dashboard/:slug/webhooks/:id/test", Owner},
	{"POST", "/dashboard/:slug/webhooks/:id/resume", Owner},
	{"POST", "/dashboard/:slug/webhooks/:id/deliveries/:delivery/replay", Owner},
	{"GET", "/dashboard/:slug/payments", Support | Owner | Staff},
	{"POST", "/dashboard/:slug/payments/:id/resolve", Owner},
	{"GET", "/dashboard/:slug/settings/notifications", Owner | Support},
	{"POST", "/dashboard/:slug/settings/notifications", Owner},

	// The platform console, as JSON.
	{"GET", "/api/v1/admin/stores", Platform},
	{"GET", "/api/v1/admin/stores/:slug", Platform},
	{"POST", "/api/v1/admin/stores/:slug/suspend", Admin},
	{"POST", "/api/v1/admin/stores/:slug/reactivate", Admin},
	{"GET", "/api/v1/admin/audit", Platform},

	// The platform console's pages.
	{"GET", "/admin", Platform},
	{"GET", "/admin/stores/:slug", Platform},
	{"POST", "/admin/stores/:slug/suspend", Admin},
	{"POST", "/admin/stores/:slug/reactivate", Admin},
	{"POST", "/admin/stores/:slug/support", Admin},
	{"POST", "/admin/support/end", Admin},
	{"GET", "/admin/audit", Platform},
	{"GET", "/admin/queues", Platform},
	{"POST", "/admin/queues/:queue/archived/run", Admin},
	{"POST", "/admin/queues/:queue/archived/delete", Admin},
}

// Audited names the routes whose every call goes into the audit log, by
// "METHOD template", with the action recorded. Any request a platform
// admin makes under support access is audited too.
var Audited = map[string]string{
	"GET /api/v1/stores/:slug/mpesa":                "credentials.view",
	"PUT /api/v1/stores/:slug/mpesa":                "credentials.update",
	"POST /api/v1/stores/:slug/mpesa/test":          "credentials.test",
	"PUT /api/v1/stores/:slug/settings":             "store.settings",
	"POST /api/v1/stores/:slug/webhooks":            "webhook.create",
	"POST /api/v1/stores/:slug/webhooks/:id/rotate": "webhook.rotate",
	"POST /api/v1/stores/:slug/keys":                "apikey.create",
	"DELETE /api/v1/stores/:slug/keys/:id":          "apikey.revoke",
	"POST /api/v1/stores/:slug/invitations":         "staff.invite",
	"PUT /api/v1/stores/:slug/members/:user":        "staff.role",
	"DELETE /api/v1/stores/:slug/members/:user":     "staff.remove",
	"POST /api/v1/admin/stores/:slug/suspend":       "store.suspend",
	"POST /api/v1/admin/stores/:slug/reactivate":    "store.reactivate",
	"POST /admin/stores/:slug/suspend":              "store.suspend",
	"POST /admin/stores/:slug/reactivate":           "store.reactivate",
	"POST /admin/stores/:slug/support":              "support.start",
	"POST /dashboard/:slug/setup/mpesa":             "credentials.update",
	"POST /dashboard/:slug/setup/mpesa/test":        "credentials.test",
	"GET /dashboard/:slug/setup/mpesa":              "credentials.view",
	"POST /dashboard/:slug/webhooks":                "webhook.create",
	"POST /dashboard/:slug/webhooks/:id/rotate":     "webhook.rotate",
	"POST /admin/queues/:queue/archived/run":        "queue.requeue",
	"POST /admin/queues/:queue/archived/delete":     "queue.delete",
	"POST /admin/support/end":                       "support.end",
}

// rules expands the route table into Casbin p rules.
func rules() [][]string {
	var out [][]string
	for _, r := range Routes {
		for _, s := range subjectOf {
			if r.Who&s.who != 0 {
				out = append(out, []string{s.sub, r.Path, r.Method})
			}
		}
	}
	return out
}
