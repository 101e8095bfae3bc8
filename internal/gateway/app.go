// Package gateway is the Fiber HTTP surface: middleware, error answers,
// authentication, tenant resolution and the JSON API routes. HTML pages
// live with the modules that own them and are mounted here.
package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/admin"
	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/auth/authweb"
	"github.com/sokohub/sokohub/internal/config"
	"github.com/sokohub/sokohub/internal/health"
	"github.com/sokohub/sokohub/internal/idempotency"
	"github.com/sokohub/sokohub/internal/mpesa"
	"github.com/sokohub/sokohub/internal/notify"
	"github.com/sokohub/sokohub/internal/observability"
	"github.com/sokohub/sokohub/internal/payments"
	"github.com/sokohub/sokohub/internal/ratelimit"
	"github.com/sokohub/sokohub/internal/webhooks"
	"github.com/sokohub/sokohub/tenants/checkout"
	"github.com/sokohub/sokohub/tenants/stores"
)

// Deps is what the gateway serves from.
type Deps struct {
	DB        *bun.DB
	Auth      *auth.Service
	Vault     *stores.Vault
	Endpoints *webhooks.Endpoints
	Checkout  *checkout.Service
	Payments  *payments.Service
	Notify    *notify.Service
	// Deliverer replays deliveries, sends test events and resumes endpoints.
	Deliverer *webhooks.Deliverer
	// Limiter and ClientLimits bound what one client address may start
	// without an account (orders, signups, stray callbacks).
	Limiter      *ratelimit.Limiter
	ClientLimits []ratelimit.Limit
	// CallbackSources is where Daraja callbacks are expected from.
	CallbackSources config.CallbackSources
	// Idempotency keeps Idempotency-Key records of storefront writes.
	Idempotency *idempotency.Store
	Logger      *slog.Logger
	// Pages mounts the server-rendered pages (storefront); it also renders
	// error pages for them.
	Pages Pages
	// Simulator, when set (dev), is mounted under /daraja.
	Simulator http.Handler
	// Dashboard, when set, serves /dashboard and renders its error pages.
	Dashboard Pages
	// HostRewrite, when set, runs before everything else: it maps
	// storefront hosts ({slug}.{domain}) onto /s/{slug} paths.
	HostRewrite fiber.Handler
	// Web identifies callers and serves the login pages; Policy decides
	// every route (admin/policy/rules.go); Console is the admin pages.
	Web     *authweb.Web
	Policy  *policy.Enforcer
	Console *admin.Console
	// Daraja tests a store's credentials (an OAuth token request).
	Daraja *mpesa.Client
	// TrustedProxies are the load balancers whose X-Real-IP header names
	// the client; empty trusts no header.
	TrustedProxies []string
	// Health answers /healthz and /readyz.
	Health *health.Checker
	// Metrics, when set, is the first middleware (it measures every
	// request); MetricsHandler serves /metrics.
	Metrics        fiber.Handler
	MetricsHandler http.Handler
}

// Pages is a module that serves HTML.
type Pages interface {
	Mount(app *fiber.App)
	ErrorPage(c *fiber.Ctx, status int, message string) error
}

// requestTimeout bounds every request's database and Redis work.
const requestTimeout = 10 * time.Second

// New builds the Fiber app.
func New(d Deps) *fiber.App {
	var page func(*fiber.Ctx, int, string) error
	if d.Pages != nil {
		page = d.Pages.ErrorPage
	}
	if d.Dashboard != nil {
		page = byPrefix("/dashboard", d.Dashboard.ErrorPage, page)
	}
	cfg := fiber.Config{
		AppName:               "sokohub",
		ErrorHandler:          errorHandler(d.Logger, page),
		BodyLimit:             maxUploadBytes,
		ReadTimeout:           15 * time.Second,
		WriteTimeout:          15 * time.Second,
		IdleTimeout:           60 * time.Second,
		DisableStartupMessage: true,
		// Exact routing: the access gate matches the path against the route
		// table itself, so Fiber must not serve "/admin/" or "/ADMIN" with
		// the "/admin" handler behind the gate's back.
		StrictRouting: true,
		CaseSensitive: true,
	}
	if len(d.TrustedProxies) > 0 {
		// Client IPs (callback sources, login limits, audit) come from the
		// header the proxy overwrites, and only from the proxy.
		cfg.ProxyHeader, cfg.EnableTrustedProxyCheck, cfg.TrustedProxies = "X-Real-IP", true, d.TrustedProxies
		cfg.EnableIPValidation = true
	}
	app := fiber.New(cfg)
	if d.HostRewrite != nil {
		app.Use(d.HostRewrite)
	}
	if d.Metrics != nil {
		app.Use(d.Metrics)
	}
	if d.Simulator != nil {
		// The dev simulator stands in for Safaricom behind Daraja's own
		// OAuth: our identification and gate have no say over it (and
		// would look each of its bearer tokens up as one of ours).
		app.Use("/daraja", recover.New(), adaptor.HTTPHandler(http.StripPrefix("/daraja", d.Simulator)))
	}
	app.Use(recover.New(), requestid.New(), withContext(d.Logger), refuseNUL, d.Web.Identify,
		d.Policy.Gate(policy.GateConfig{DB: d.DB, CSRF: d.Web.CheckCSRF, OnStore: setStore, Logger: d.Logger}))
	d.Health.Mount(app)
	if d.MetricsHandler != nil {
		app.Get("/metrics", adaptor.HTTPHandler(d.MetricsHandler))
	}
	h := &handlers{Deps: d}
	app.Post("/callbacks/stk/:token", h.stkCallback)
	h.mountAPI(app)
	d.Web.Mount(app)
	d.Console.Mount(app)
	if d.Dashboard != nil {
		d.Dashboard.Mount(app)
	}
	// The storefront's HTML checkout holds stock like the API's.
	app.Post("/s/:slug/checkout", h.limitClient("checkout"))
	if d.Pages != nil {
		d.Pages.Mount(app)
	}
	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	return app
}

type handlers struct{ Deps }

// byPrefix renders error pages of paths under prefix with pre, others with
// rest (which may be nil).
func byPrefix(prefix string, pre, rest func(*fiber.Ctx, int, string) error) func(*fiber.Ctx, int, string) error {
	return func(c *fiber.Ctx, status int, message string) error {
		if strings.HasPrefix(c.Path(), prefix) || rest == nil {
			return pre(c, status, message)
		}
		return rest(c, status, message)
	}
}

// withContext gives each request a context with a deadline (Fiber's own
// never ends) and logs the request with its id.
func withContext(log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
		defer cancel()
		c.SetUserContext(ctx)
		start := time.Now()
		err := c.Next()
		if err != nil {
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				return herr
			}
		}
		attrs := []any{"request_id", c.GetRespHeader(fiber.HeaderXRequestID), "method", c.Method(),
			"route", RouteLabel(c), "status", c.Response().StatusCode(), "ms", time.Since(start).Milliseconds()}
		if id, ok := c.Locals(storeIDKey{}).(string); ok {
			attrs = append(attrs, "store_id", id)
		} else if a := policy.AccessOf(c); a != nil && strings.Contains(a.Route, ":slug") {
			// Public store routes (storefront, checkout) resolve no store
			// before the handler: name it by its slug.
			attrs = append(attrs, "store", c.Params("slug"))
		}
		log.InfoContext(ctx, "http", attrs...)
		return nil
	}
}

// RouteLabel is the route template a request was decided on: the policy
// gate's (so a request refused before its handler still names its route),
// else the template of the handler that answered. It never contains a raw
// path, whose callback tokens and ids must stay out of logs and metrics.
func RouteLabel(c *fiber.Ctx) string {
	if a := policy.AccessOf(c); a != nil && a.Route != "" {
		return a.Route
	}
	return observability.RouteTemplate(c)
}
