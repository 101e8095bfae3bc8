package gateway

import (
	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/mpesa"
	"github.com/sokohub/sokohub/internal/notify"
	"github.com/sokohub/sokohub/internal/payments"
	"github.com/sokohub/sokohub/tenants/catalog"
	"github.com/sokohub/sokohub/tenants/orders"
	"github.com/sokohub/sokohub/tenants/stores"
)

func (h *handlers) mountStoreAPI(st fiber.Router) {
	st.Get("", h.getStore)
	st.Get("/mpesa", h.requireOwner, h.getCredentials)
	st.Put("/mpesa", h.requireOwner, h.putCredentials)
	st.Get("/products", h.listProducts)
	st.Post("/products", h.createProduct)
	st.Get("/orders", h.listOrders)
	st.Get("/orders/:id", h.getOrder)
	st.Get("/notifications", h.listNotifications)
}

func (h *handlers) createStore(c *fiber.Ctx) error {
	var in struct{ Slug, Name string }
	if err := decode(c, &in); err != nil {
		return err
	}
	s, err := stores.Create(c.UserContext(), h.DB, currentUser(c).ID, in.Slug, in.Name)
	if err != nil {
		return err
	}
	// stores.Create wrote the owner's membership; this tells the policy.
	if err := h.Policy.SetStoreRole(currentUser(c).ID, s.ID, policy.RoleOwner); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(s)
}

func (h *handlers) getStore(c *fiber.Ctx) error { return c.JSON(currentStore(c)) }

func (h *handlers) getCredentials(c *fiber.Ctx) error {
	m, err := h.Vault.Masked(c.UserContext(), h.DB, currentStore(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

func (h *handlers) putCredentials(c *fiber.Ctx) error {
	var in struct {
		Environment    string `json:"environment"`
		Type           string `json:"type"`
		Shortcode      string `json:"shortcode"`
		TillNumber     string `json:"till_number"`
		Passkey        string `json:"passkey"`
		ConsumerKey    string `json:"consumer_key"`
		ConsumerSecret string `json:"consumer_secret"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	m, err := h.Vault.Save(c.UserContext(), h.DB, currentStore(c).ID, mpesa.Credentials{
		Environment: in.Environment, Type: in.Type, Shortcode: in.Shortcode, TillNumber: in.TillNumber,
		Passkey: in.Passkey, ConsumerKey: in.ConsumerKey, ConsumerSecret: in.ConsumerSecret})
	if err != nil {
		return err
	}
	return c.JSON(m)
}

func (h *handlers) listProducts(c *fiber.Ctx) error {
	ps, err := catalog.List(c.UserContext(), h.DB, currentStore(c).ID)
	if err != nil {
		return err
	}
	return list(c, ps)
}

func (h *handlers) createProduct(c *fiber.Ctx) error {
	var in catalog.NewProduct
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := catalog.Create(c.UserContext(), h.DB, currentStore(c).ID, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (h *handlers) listOrders(c *fiber.Ctx) error {
	if c.Query("updated_since") != "" || c.Query("cursor") != "" {
		return h.pullOrders(c) // the pull API, in api_events.go
	}
	status := c.Query("status")
	switch status {
	case "", orders.StatusPending, orders.StatusPaid, orders.StatusFulfilled, orders.StatusExpired, orders.StatusCancelled:
	default:
		return Fail(fiber.StatusBadRequest, "invalid_input", "status must be one of pending, paid, fulfilled, expired, cancelled")
	}
	os, err := orders.List(c.UserContext(), h.DB, currentStore(c).ID, status, 100)
	if err != nil {
		return err
	}
	return list(c, os)
}

// orderView is the merchant's view of an order: its lines and every
// payment attempt.
type orderView struct {
	*orders.Order
	Customer orders.Customer    `json:"customer"`
	Items    []orders.Item      `json:"items"`
	Payments []payments.Attempt `json:"payments"`
}

func (h *handlers) getOrder(c *fiber.Ctx) error {
	ctx, storeID := c.UserContext(), currentStore(c).ID
	o, err := orders.Get(ctx, h.DB, storeID, c.Params("id"))
	if err != nil {
		return err
	}
	items, err := orders.Items(ctx, h.DB, storeID, o.ID)
	if err != nil {
		return err
	}
	as, err := payments.ForOrder(ctx, h.DB, storeID, o.ID)
	if err != nil {
		return err
	}
	return c.JSON(orderView{Order: o, Customer: orders.Customer{Name: o.CustomerName, Email: o.CustomerEmail, Phone: o.Phone},
		Items: items, Payments: as})
}

func (h *handlers) listNotifications(c *fiber.Ctx) error {
	ns, err := notify.List(c.UserContext(), h.DB, currentStore(c).ID)
	if err != nil {
		return err
	}
	return list(c, ns)
}
