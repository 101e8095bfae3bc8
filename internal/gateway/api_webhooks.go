package gateway

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/webhooks"
)

// mountWebhooksAPI adds a store's webhook endpoints and delivery log;
// owners only: an endpoint's secret opens the store's event stream.
func (h *handlers) mountWebhooksAPI(st fiber.Router) {
	wh := st.Group("/webhooks", h.requireOwner)
	wh.Get("", h.listWebhooks)
	wh.Post("", h.createWebhook)
	wh.Get("/deliveries", h.listDeliveries)
	wh.Get("/:id", h.getWebhook)
	wh.Get("/:id/deliveries", h.listDeliveries)
	wh.Post("/:id/deliveries/:delivery/replay", h.replayDelivery)
	wh.Post("/:id/recover", h.recoverDeliveries)
	wh.Post("/:id/test", h.testWebhook)
	wh.Post("/:id/rotate", h.rotateWebhook)
	wh.Post("/:id/resume", h.resumeWebhook)
}

func (h *handlers) listWebhooks(c *fiber.Ctx) error {
	es, err := webhooks.List(c.UserContext(), h.DB, currentStore(c).ID)
	if err != nil {
		return err
	}
	views := make([]map[string]any, 0, len(es))
	for _, e := range es {
		views = append(views, e.View())
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
	v := e.View()
	v["secret"] = secret
	return c.Status(fiber.StatusCreated).JSON(v)
}

func (h *handlers) getWebhook(c *fiber.Ctx) error {
	e, err := webhooks.Get(c.UserContext(), h.DB, currentStore(c).ID, c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(e.View())
}

// listDeliveries is the delivery log, of the store or (under /:id) of one
// endpoint: ?status=, ?event=, ?limit=, and ?before=<delivery id> for the
// next page.
func (h *handlers) listDeliveries(c *fiber.Ctx) error {
	f := webhooks.DeliveryFilter{StoreID: currentStore(c).ID, Status: c.Query("status"), EventType: c.Query("event"),
		Before: c.Query("before"), Limit: c.QueryInt("limit", 50)}
	if id := c.Params("id"); id != "" {
		if _, err := webhooks.Get(c.UserContext(), h.DB, f.StoreID, id); err != nil {
			return err
		}
		f.EndpointID = id
	}
	if f.Status != "" && !slices.Contains(webhooks.DeliveryStatuses, f.Status) {
		return Fail(fiber.StatusBadRequest, "invalid_input", "status must be one of "+strings.Join(webhooks.DeliveryStatuses, ", "))
	}
	if f.Limit < 1 || f.Limit > 200 {
		return Fail(fiber.StatusBadRequest, "invalid_input", "limit must be between 1 and 200")
	}
	ds, err := webhooks.ListDeliveries(c.UserContext(), h.DB, f)
	if err != nil {
		return err
	}
	body := fiber.Map{"data": ds}
	if len(ds) == f.Limit {
		body["next_before"] = ds[len(ds)-1].ID
	}
	return c.JSON(body)
}

func (h *handlers) replayDelivery(c *fiber.Ctx) error {
	err := h.Deliverer.Replay(c.UserContext(), currentStore(c).ID, c.Params("id"), c.Params("delivery"))
	if err != nil {
		return webhookError(err)
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"replayed": 1})
}

func (h *handlers) recoverDeliveries(c *fiber.Ctx) error {
	var in struct {
		Since time.Time `json:"since"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if in.Since.IsZero() || in.Since.After(time.Now()) {
		return Fail(fiber.StatusBadRequest, "invalid_input", `since must be a past RFC 3339 time, e.g. "2026-12-01T00:00:00Z"`)
	}
	n, err := h.Deliverer.Recover(c.UserContext(), currentStore(c).ID, c.Params("id"), in.Since)
	if err != nil {
		return webhookError(err)
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"replayed": n})
}

func (h *handlers) testWebhook(c *fiber.Ctx) error {
	dl, err := h.Deliverer.SendTest(c.UserContext(), currentStore(c).ID, c.Params("id"))
	if err != nil {
		return webhookError(err)
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"event_id": dl.EventID, "delivery_id": dl.ID, "status": dl.Status})
}

func (h *handlers) rotateWebhook(c *fiber.Ctx) error {
	e, secret, err := h.Endpoints.Rotate(c.UserContext(), h.DB, currentStore(c).ID, c.Params("id"), db.Now())
	if err != nil {
		return webhookError(err)
	}
	v := e.View()
	v["secret"] = secret
	return c.JSON(v)
}

func (h *handlers) resumeWebhook(c *fiber.Ctx) error {
	ctx, storeID := c.UserContext(), currentStore(c).ID
	n, err := h.Deliverer.Resume(ctx, storeID, c.Params("id"))
	if err != nil {
		return webhookError(err)
	}
	e, err := webhooks.Get(ctx, h.DB, storeID, c.Params("id"))
	if err != nil {
		return err
	}
	v := e.View()
	v["released"] = n
	return c.JSON(v)
}

// webhookError answers the endpoint operations' own refusals as 409s.
func webhookError(err error) error {
	for _, k := range []struct {
		err  error
		code string
	}{
		{webhooks.ErrEndpointPaused, "endpoint_paused"},
		{webhooks.ErrNotPaused, "endpoint_active"},
		{webhooks.ErrConcurrentChange, "conflict"},
	} {
		if errors.Is(err, k.err) {
			return Fail(fiber.StatusConflict, k.code, strings.TrimPrefix(k.err.Error(), "webhooks: "))
		}
	}
	return err
}
