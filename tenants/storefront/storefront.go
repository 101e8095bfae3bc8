// Package storefront serves a store's hosted shop: server-rendered pages
// that work without JavaScript on a cheap phone, from browsing to the live
// payment status.
package storefront

import (
	"bytes"
	"crypto/subtle"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/input"
	"github.com/sokohub/sokohub/internal/money"
	"github.com/sokohub/sokohub/internal/payments"
	"github.com/sokohub/sokohub/internal/tokens"
	"github.com/sokohub/sokohub/tenants/catalog"
	"github.com/sokohub/sokohub/tenants/checkout"
	"github.com/sokohub/sokohub/tenants/orders"
	"github.com/sokohub/sokohub/tenants/stores"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"kes": func(cents int64) string { return money.Format(cents, "KES") },
}).ParseFS(templateFS, "templates/*.html"))

// Deps is what the storefront needs.
type Deps struct {
	DB       *bun.DB
	Checkout *checkout.Service
	Tokens   tokens.Deriver
	Logger   *slog.Logger
}

// Storefront serves /s/{slug}.
type Storefront struct{ Deps }

// New returns the storefront.
func New(d Deps) *Storefront { return &Storefront{Deps: d} }

// Mount adds the storefront's routes.
func (s *Storefront) Mount(app *fiber.App) {
	app.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/s/demo") })
	g := app.Group("/s/:slug", s.store)
	g.Get("", s.home)
	g.Post("/checkout", s.checkout)
	g.Get("/orders/:id", s.order)
	g.Post("/orders/:id/pay", s.retry)
}

type view struct {
	Title, Message, Error, Phone, Name, Reason, Token string
	Refresh                                           int
	Store                                             *stores.Store
	Products                                          []catalog.Product
	Order                                             *orders.Order
	Items                                             []orders.Item
	Live                                              bool
}

func render(c *fiber.Ctx, status int, name string, v view) error {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, v); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(status).Type("html", "utf-8").Send(buf.Bytes())
}

// ErrorPage renders a friendly page for any error on a storefront route.
func (s *Storefront) ErrorPage(c *fiber.Ctx, status int, message string) error {
	title := "Something went wrong"
	switch status {
	case fiber.StatusNotFound:
		title, message = "Not found", "We could not find this shop or page. Check the link and try again."
	case fiber.StatusForbidden:
		title = "Shop unavailable"
	}
	st, _ := c.Locals(storeKey{}).(*stores.Store)
	return render(c, status, "error.html", view{Title: title, Message: message, Store: st})
}

type storeKey struct{}

func (s *Storefront) store(c *fiber.Ctx) error {
	st, err := stores.BySlug(c.UserContext(), s.DB, c.Params("slug"))
	if err != nil {
		return err
	}
	c.Locals(storeKey{}, st)
	if !st.Active() {
		return fiber.NewError(fiber.StatusForbidden, "This shop is not taking orders right now. Please come back later.")
	}
	return c.Next()
}

func current(c *fiber.Ctx) *stores.Store { return c.Locals(storeKey{}).(*stores.Store) }

func (s *Storefront) home(c *fiber.Ctx) error { return s.renderHome(c, fiber.StatusOK, "", "", "") }

func (s *Storefront) renderHome(c *fiber.Ctx, status int, problem, phone, name string) error {
	st := current(c)
	ps, err := catalog.List(c.UserContext(), s.DB, st.ID)
	if err != nil {
		return err
	}
	return render(c, status, "store.html", view{Title: st.Name, Store: st, Products: ps, Error: problem, Phone: phone, Name: name})
}

func (s *Storefront) checkout(c *fiber.Ctx) error {
	st := current(c)
	cart := checkout.Cart{Phone: c.FormValue("phone"), Name: c.FormValue("name")}
	args := c.Request().PostArgs()
	var bad bool
	args.VisitAll(func(k, v []byte) {
		id, ok := strings.CutPrefix(string(k), "qty_")
		if !ok {
			return
		}
		q, err := strconv.ParseInt(strings.TrimSpace(string(v)), 10, 64)
		if err != nil || q < 0 {
			bad = true
			return
		}
		if q > 0 {
			cart.Items = append(cart.Items, checkout.Line{ProductID: id, Quantity: q})
		}
	})
	if bad {
		return s.renderHome(c, fiber.StatusBadRequest, "Quantities must be whole numbers.", cart.Phone, cart.Name)
	}
	placed, err := s.Checkout.Place(c.UserContext(), st, cart)
	if ie, ok := input.As(err); ok {
		return s.renderHome(c, fiber.StatusBadRequest, ie.Message, cart.Phone, cart.Name)
	}
	if errors.Is(err, catalog.ErrOutOfStock) {
		return s.renderHome(c, fiber.StatusConflict, "Sorry, there is not enough stock left for that order.", cart.Phone, cart.Name)
	}
	if err != nil {
		return err
	}
	return c.Redirect(orderURL(st.Slug, placed.Order.ID, placed.Token), fiber.StatusSeeOther)
}

func orderURL(slug, id, token string) string {
	return "/s/" + slug + "/orders/" + id + "?t=" + url.QueryEscape(token)
}

// customerOrder loads the order named in the URL if ?t= is its token.
func (s *Storefront) customerOrder(c *fiber.Ctx) (*orders.Order, string, error) {
	token := c.Query("t")
	want := s.Tokens.Token("order", c.Params("id"))
	if subtle.ConstantTimeCompare([]byte(token), []byte(want)) != 1 {
		return nil, "", db.ErrNotFound
	}
	o, err := orders.Get(c.UserContext(), s.DB, current(c).ID, c.Params("id"))
	return o, token, err
}

func (s *Storefront) order(c *fiber.Ctx) error {
	o, token, err := s.customerOrder(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	items, err := orders.Items(ctx, s.DB, o.StoreID, o.ID)
	if err != nil {
		return err
	}
	a, err := payments.Latest(ctx, s.DB, o.StoreID, o.ID)
	if err != nil {
		return err
	}
	v := view{Title: "Order #" + strconv.FormatInt(o.Number, 10), Store: current(c), Order: o, Items: items,
		Token: token, Phone: displayPhone(a.Phone), Live: a.Live(), Reason: a.FailureReason}
	if o.Status == orders.StatusPending && a.Live() {
		v.Refresh = 2 // no JavaScript needed: the page polls itself
	}
	if v.Reason == "" {
		v.Reason = "The payment did not go through. You can send the prompt again."
	}
	return render(c, fiber.StatusOK, "order.html", v)
}

func (s *Storefront) retry(c *fiber.Ctx) error {
	o, token, err := s.customerOrder(c)
	if err != nil {
		return err
	}
	_, err = s.Checkout.Retry(c.UserContext(), current(c), o, c.FormValue("phone"))
	if ie, ok := input.As(err); ok {
		return fiber.NewError(fiber.StatusBadRequest, ie.Message)
	}
	// A live attempt or a paid order: the status page already says what
	// is going on.
	if err != nil && !errors.Is(err, payments.ErrAttemptLive) && !errors.Is(err, checkout.ErrPaid) {
		return err
	}
	return c.Redirect(orderURL(current(c).Slug, o.ID, token), fiber.StatusSeeOther)
}

// displayPhone turns 254712345678 into 0712 345 678, as people write it.
func displayPhone(msisdn string) string {
	if len(msisdn) != 12 || !strings.HasPrefix(msisdn, "254") {
		return msisdn
	}
	return "0" + msisdn[3:6] + " " + msisdn[6:9] + " " + msisdn[9:]
}
