// Package dashboard is the merchant's side of SokoHub as server-rendered
// pages under /dashboard: the onboarding wizard (store details → M-Pesa →
// first product → share the link), orders, products, webhooks and
// notification preferences and payment problems. Sign-in, CSRF and who may open which page are
// the gateway's (internal/auth/authweb and admin/policy); the handlers here
// are thin and call the modules that own the data.
package dashboard

import (
	"log/slog"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/auth/authweb"
	"github.com/sokohub/sokohub/internal/media"
	"github.com/sokohub/sokohub/internal/mpesa"
	"github.com/sokohub/sokohub/internal/payments"
	"github.com/sokohub/sokohub/internal/webhooks"
	"github.com/sokohub/sokohub/tenants/stores"
)

// Deps is what the dashboard needs.
type Deps struct {
	DB   *bun.DB
	Auth *auth.Service
	// Web gives each form its CSRF token (the gateway checks it).
	Web *authweb.Web
	// Policy learns who owns a store the dashboard opens.
	Policy    *policy.Enforcer
	Vault     *stores.Vault
	Daraja    *mpesa.Client
	Endpoints *webhooks.Endpoints
	Deliverer *webhooks.Deliverer
	Payments  *payments.Service
	Media     media.Store
	// PublicURL and StorefrontDomain build the store link to share.
	PublicURL        string
	StorefrontDomain string
	Logger           *slog.Logger
}

// Dashboard serves /dashboard.
type Dashboard struct{ Deps }

// New returns the dashboard.
func New(d Deps) *Dashboard { return &Dashboard{Deps: d} }

// Mount adds the dashboard's routes; each is listed in admin/policy's
// route table with who may use it.
func (d *Dashboard) Mount(app *fiber.App) {
	g := app.Group("/dashboard")
	g.Get("/signup", d.signupPage)
	g.Post("/signup", d.signup)
	g.Get("", authweb.RequireSession, d.index)
	g.Get("/new", authweb.RequireSession, d.newStorePage)
	g.Post("/new", authweb.RequireSession, d.createStore)

	st := g.Group("/:slug", authweb.RequireSession, d.store)
	st.Get("", d.home)
	st.Get("/setup", d.setup)
	st.Get("/setup/store", d.storeStep)
	st.Post("/setup/store", d.saveStore)
	st.Get("/setup/mpesa", d.mpesaStep)
	st.Post("/setup/mpesa", d.saveMpesa)
	st.Post("/setup/mpesa/test", d.testMpesa)
	st.Get("/setup/product", d.productStep)
	st.Post("/setup/product", d.saveFirstProduct)
	st.Get("/setup/share", d.shareStep)

	st.Get("/orders", d.orders)
	st.Get("/orders.csv", d.ordersCSV)
	st.Get("/orders/:id", d.order)
	st.Post("/orders/:id/fulfil", d.fulfil)

	st.Get("/products", d.products)
	st.Get("/products/new", d.newProduct)
	st.Post("/products/new", d.createProduct)
	st.Get("/products/:id", d.editProduct)
	st.Post("/products/:id", d.updateProduct)

	st.Get("/webhooks", d.webhooks)
	st.Post("/webhooks", d.createWebhook)
	st.Post("/webhooks/:id/rotate", d.rotateWebhook)
	st.Post("/webhooks/:id/test", d.testWebhook)
	st.Post("/webhooks/:id/resume", d.resumeWebhook)
	st.Post("/webhooks/:id/deliveries/:delivery/replay", d.replayDelivery)

	st.Get("/payments", d.issues)
	st.Post("/payments/:id/resolve", d.resolveIssue)

	st.Get("/settings/notifications", d.notifications)
	st.Post("/settings/notifications", d.saveNotifications)
}
