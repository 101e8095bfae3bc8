package gateway

import (
	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/webhooks"
)

// mountWebhooksAPI adds a store's webhook endpoints and delivery log;
// owners only: an endpoint's secret opens the store's event stream.
func (h *handlers) mountWebhooksAPI(st fiber.Router) {
	st.Get("/webhooks", h.requireOwner, h.listWebhooks)
	st.Post("/webhooks", h.requireOwner, h.createWebhook)
	st.Get("/webhooks/deliveries", h.requireOwner, h.listDeliveries)
}

func (h *handlers) listWebhooks(c *fiber.Ctx) error {
	es, err := webhooks.List(c.UserContext(), h.DB, currentStore(c).ID)
	if err != nil {
		return err
	}
	views := make([]fiber.Map, 0, len(es))
	for _, e := range es {
		views = append(views, fiber.Map{"id": e.ID, "url": e.URL, "events": e.EventList(), "status": e.Status, "created_at": e.CreatedAt})
	}
	return list(c, views)
}

func (h *handlers) createWebhook(c *fiber.Ctx) error {
	var in struct {
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	e, secret, err := h.Endpoints.Create(c.UserContext(), h.DB, currentStore(c).ID, in.URL, in.Events)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": e.ID, "url": e.URL, "events": e.EventList(),
		"status": e.Status, "secret": secret})
}

func (h *handlers) listDeliveries(c *fiber.Ctx) error {
	ds, err := webhooks.Deliveries(c.UserContext(), h.DB, currentStore(c).ID)
	if err != nil {
		return err
	}
	return list(c, ds)
}
