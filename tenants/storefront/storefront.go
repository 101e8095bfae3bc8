// Package storefront serves a store's hosted shop: server-rendered pages
// that work without JavaScript on a cheap phone, from browsing and the cart
// to checkout and the live payment status, in English and Swahili. The same
// routes answer at /s/{slug} on any host and at the root of
// {slug}.{SOKOHUB_STOREFRONT_DOMAIN}.
package storefront

import (
	"log/slog"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/idempotency"
	"github.com/sokohub/sokohub/internal/media"
	"github.com/sokohub/sokohub/internal/tokens"
	"github.com/sokohub/sokohub/tenants/checkout"
)

// Deps is what the storefront needs.
type Deps struct {
	DB       *bun.DB
	Checkout *checkout.Service
	Tokens   tokens.Deriver
	// Media holds product photos and logos.
	Media media.Store
	// Idempotency remembers which checkout form placed which order.
	Idempotency *idempotency.Store
	// Domain is SOKOHUB_STOREFRONT_DOMAIN; "" turns host routing off.
	Domain string
	Logger *slog.Logger
}

// Storefront serves the shop pages.
type Storefront struct{ Deps }

// New returns the storefront.
func New(d Deps) *Storefront { return &Storefront{Deps: d} }

// Mount adds the storefront's routes. Browsing and the order page work for
// any store that exists; buying needs an active one.
func (s *Storefront) Mount(app *fiber.App) {
	app.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/s/demo") })
	g := app.Group("/s/:slug", s.store)
	g.Get("/media/:name", s.media)
	g.Get("/orders/:id", s.order)
	g.Get("/orders/:id/status", s.orderStatus)
	g.Get("", s.open, s.home)
	g.Get("/p/:id", s.open, s.product)
	g.Get("/cart", s.open, s.cart)
	g.Post("/cart", s.open, s.updateCart)
	g.Post("/checkout", s.open, s.once, s.checkout)
	g.Post("/orders/:id/pay", s.open, s.retry)
}
