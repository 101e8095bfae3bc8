// Package gateway is the Fiber HTTP surface: middleware, error answers,
// authentication, tenant resolution and the JSON API routes. HTML pages
// live with the modules that own them and are mounted here.
package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/notify"
	"github.com/sokohub/sokohub/internal/payments"
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
	Logger    *slog.Logger
	// Pages mounts the server-rendered pages (storefront); it also renders
	// error pages for them.
	Pages Pages
	// Simulator, when set (dev), is mounted under /daraja.
	Simulator http.Handler
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
	app := fiber.New(fiber.Config{
		AppName:               "sokohub",
		ErrorHandler:          errorHandler(d.Logger, page),
		BodyLimit:             1 << 20,
		ReadTimeout:           15 * time.Second,
		WriteTimeout:          15 * time.Second,
		IdleTimeout:           60 * time.Second,
		DisableStartupMessage: true,
	})
	app.Use(recover.New(), requestid.New(), withContext(d.Logger))
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	h := &handlers{Deps: d}
	app.Post("/callbacks/stk/:token", h.stkCallback)
	h.mountAPI(app)
	if d.Simulator != nil {
		app.Use("/daraja", adaptor.HTTPHandler(http.StripPrefix("/daraja", d.Simulator)))
	}
	if d.Pages != nil {
		d.Pages.Mount(app)
	}
	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	return app
}

type handlers struct{ Deps }

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
			"route", c.Route().Path, "status", c.Response().StatusCode(), "ms", time.Since(start).Milliseconds()}
		if id, ok := c.Locals(storeIDKey{}).(string); ok {
			attrs = append(attrs, "store_id", id)
		}
		log.InfoContext(ctx, "http", attrs...)
		return nil
	}
}
