package gateway

import (
	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/input"
	"github.com/sokohub/sokohub/internal/payments"
	"github.com/sokohub/sokohub/tenants/stores"
)

// mountPaymentsAPI adds the payment problems a merchant resolves
// (overpayments, mismatched amounts) and the store's payment settings.
func (h *handlers) mountPaymentsAPI(st fiber.Router) {
	st.Get("/payment-issues", h.listIssues)
	st.Post("/payment-issues/:id/resolve", h.requireOwner, h.resolveIssue)
	st.Put("/settings", h.requireOwner, h.putSettings)
}

func (h *handlers) listIssues(c *fiber.Ctx) error {
	status := c.Query("status")
	if status != "" && status != payments.IssueOpen && status != payments.IssueResolved {
		return input.Invalid("status", "status must be open or resolved")
	}
	is, err := payments.Issues(c.UserContext(), h.DB, currentStore(c).ID, status)
	if err != nil {
		return err
	}
	return list(c, is)
}

func (h *handlers) resolveIssue(c *fiber.Ctx) error {
	var in struct {
		Action  string `json:"action"`
		OrderID string `json:"order_id"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	is, err := h.Payments.Resolve(c.UserContext(), currentStore(c).ID, c.Params("id"), in.Action, in.OrderID)
	if err != nil {
		return err
	}
	return c.JSON(is)
}

func (h *handlers) putSettings(c *fiber.Ctx) error {
	var in struct {
		PendingTTLMinutes int64 `json:"pending_ttl_minutes"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	s, err := stores.SetPendingTTL(c.UserContext(), h.DB, currentStore(c).ID, in.PendingTTLMinutes)
	if err != nil {
		return err
	}
	return c.JSON(s)
}
