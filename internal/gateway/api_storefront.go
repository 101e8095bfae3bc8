package gateway

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/payments"
	"github.com/sokohub/sokohub/tenants/catalog"
	"github.com/sokohub/sokohub/tenants/checkout"
	"github.com/sokohub/sokohub/tenants/orders"
)

func (h *handlers) mountStorefrontAPI(sf fiber.Router) {
	sf.Get("/products", h.storefrontProducts)
	sf.Post("/orders", h.limitClient("checkout"), h.idempotent("orders"), h.placeOrder)
	sf.Get("/orders/:id", h.customerOrder)
	// The order token is checked before the Idempotency-Key is looked at:
	// nobody but the customer may replay, or poison, a retry's answer.
	sf.Post("/orders/:id/payments", h.customerOrderOf, h.idempotent("payments"), h.retryPayment)
}

func (h *handlers) storefrontProducts(c *fiber.Ctx) error {
	// A suspended shop sells nothing: its catalogue is closed like its
	// pages (a customer's own order stays readable).
	if !currentStore(c).Active() {
		return checkout.ErrStoreClosed
	}
	ps, err := catalog.List(c.UserContext(), h.DB, currentStore(c).ID)
	if err != nil {
		return err
	}
	return list(c, ps)
}

// paymentStatus is what the customer sees of their latest attempt.
type paymentStatus struct {
	ID            string `json:"id,omitempty"`
	Status        string `json:"status"`
	FailureReason string `json:"failure_reason,omitempty"`
	Receipt       string `json:"receipt,omitempty"`
}

func statusOf(a *payments.Attempt) paymentStatus {
	return paymentStatus{ID: a.ID, Status: a.Status, FailureReason: a.FailureReason, Receipt: a.Receipt}
}

func (h *handlers) placeOrder(c *fiber.Ctx) error {
	var in struct {
		Items    []checkout.Line `json:"items"`
		Phone    string          `json:"phone"`
		Customer struct {
			Name  string `json:"name"`
			Email string `json:"email"`
		} `json:"customer"`
		DeliveryNote string `json:"delivery_note"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := h.Checkout.Place(c.UserContext(), currentStore(c), checkout.Cart{Items: in.Items, Phone: in.Phone,
		Name: in.Customer.Name, Email: in.Customer.Email, Note: in.DeliveryNote})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": p.Order.ID, "number": p.Order.Number, "status": p.Order.Status,
		"total": p.Order.Total, "currency": p.Order.Currency, "delivery_note": p.Order.DeliveryNote,
		"payment": statusOf(p.Attempt), "token": p.Token})
}

func (h *handlers) customerOrder(c *fiber.Ctx) error {
	// The attempt is read before the order: a settle changes both in one
	// transaction, so a succeeded payment is never shown beside a pending
	// order.
	a, err := payments.Latest(c.UserContext(), h.DB, currentStore(c).ID, c.Params("id"))
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return err
	}
	o, err := orders.GetForCustomer(c.UserContext(), h.DB, currentStore(c).ID, c.Params("id"), c.Get("X-Order-Token"))
	if err != nil {
		return err
	}
	items, err := orders.Items(c.UserContext(), h.DB, o.StoreID, o.ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": o.ID, "number": o.Number, "status": o.Status, "total": o.Total, "currency": o.Currency,
		"receipt": o.Receipt, "delivery_note": o.DeliveryNote, "items": items, "payment": statusOf(a)})
}

type customerOrderKey struct{}

// customerOrderOf loads the order of the URL for the customer holding its
// X-Order-Token (404 otherwise, as for a missing order).
func (h *handlers) customerOrderOf(c *fiber.Ctx) error {
	o, err := orders.GetForCustomer(c.UserContext(), h.DB, currentStore(c).ID, c.Params("id"), c.Get("X-Order-Token"))
	if err != nil {
		return err
	}
	c.Locals(customerOrderKey{}, o)
	return c.Next()
}

func (h *handlers) retryPayment(c *fiber.Ctx) error {
	o := c.Locals(customerOrderKey{}).(*orders.Order)
	var in struct {
		Phone string `json:"phone"`
	}
	if len(c.Body()) > 0 {
		if err := decode(c, &in); err != nil {
			return err
		}
	}
	a, err := h.Checkout.Retry(c.UserContext(), currentStore(c), o, in.Phone)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"id": o.ID, "status": o.Status, "payment": statusOf(a)})
}
