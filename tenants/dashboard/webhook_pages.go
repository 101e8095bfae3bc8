package dashboard

import (
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/webhooks"
)

type webhooksPage struct {
	Endpoints  []webhooks.Endpoint
	Deliveries []webhooks.LoggedDelivery
	Events     []string
	// Secret is shown once, right after creating or rotating an endpoint.
	Secret, SecretFor string
	URL               string
	Chosen            map[string]bool
	Problems          formError
	Status            string
	Statuses          []string
}

func (d *Dashboard) webhooks(c *fiber.Ctx) error {
	return d.renderWebhooks(c, fiber.StatusOK, webhooksPage{})
}

func (d *Dashboard) renderWebhooks(c *fiber.Ctx, status int, p webhooksPage) error {
	ctx, storeID := c.UserContext(), current(c).ID
	var err error
	if p.Endpoints, err = webhooks.List(ctx, d.DB, storeID); err != nil {
		return err
	}
	p.Status, p.Statuses = c.Query("status"), webhooks.DeliveryStatuses
	if p.Status != "" && !slices.Contains(p.Statuses, p.Status) {
		p.Status = ""
	}
	if p.Deliveries, err = webhooks.ListDeliveries(ctx, d.DB, webhooks.DeliveryFilter{StoreID: storeID, Status: p.Status}); err != nil {
		return err
	}
	p.Events = webhooks.Subscribable
	if p.Chosen == nil {
		p.Chosen = map[string]bool{"order.paid": true}
	}
	return render(c, status, "webhooks", d.view(c, "Webhooks", "webhooks", p))
}

func (d *Dashboard) createWebhook(c *fiber.Ctx) error {
	p := webhooksPage{URL: c.FormValue("url"), Chosen: map[string]bool{}}
	var events []string
	for _, e := range webhooks.Subscribable {
		if c.FormValue("event_"+e) == "1" {
			events = append(events, e)
			p.Chosen[e] = true
		}
	}
	ep, secret, err := d.Endpoints.Create(c.UserContext(), d.DB, current(c).ID, p.URL, events)
	if p.Problems, err = problems(err); err != nil {
		return err
	}
	if p.Problems != nil {
		return d.renderWebhooks(c, fiber.StatusBadRequest, p)
	}
	// The secret is rendered into this one response and never again.
	return d.renderWebhooks(c, fiber.StatusCreated, webhooksPage{Secret: secret, SecretFor: ep.URL})
}

func (d *Dashboard) rotateWebhook(c *fiber.Ctx) error {
	ep, secret, err := d.Endpoints.Rotate(c.UserContext(), d.DB, current(c).ID, c.Params("id"), time.Now())
	if err != nil {
		return err
	}
	return d.renderWebhooks(c, fiber.StatusOK, webhooksPage{Secret: secret, SecretFor: ep.URL})
}

func (d *Dashboard) testWebhook(c *fiber.Ctx) error {
	if _, err := d.Deliverer.SendTest(c.UserContext(), current(c).ID, c.Params("id")); err != nil {
		return err
	}
	return c.Redirect(base(c)+"/webhooks?done=test", fiber.StatusSeeOther)
}

func (d *Dashboard) resumeWebhook(c *fiber.Ctx) error {
	if _, err := d.Deliverer.Resume(c.UserContext(), current(c).ID, c.Params("id")); err != nil {
		return err
	}
	return c.Redirect(base(c)+"/webhooks?done=resumed", fiber.StatusSeeOther)
}

func (d *Dashboard) replayDelivery(c *fiber.Ctx) error {
	if err := d.Deliverer.Replay(c.UserContext(), current(c).ID, c.Params("id"), c.Params("delivery")); err != nil {
		return err
	}
	return c.Redirect(base(c)+"/webhooks?done=replay", fiber.StatusSeeOther)
}
