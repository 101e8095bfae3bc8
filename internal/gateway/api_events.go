package gateway

import (
	"encoding/base64"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/webhooks"
	"github.com/sokohub/sokohub/tenants/orders"
)

// mountEventsAPI adds the pull side of webhooks: a seller's system that
// missed deliveries (or prefers polling) catches up from the event feed or
// from the orders changed since it last looked.
func (h *handlers) mountEventsAPI(st fiber.Router) {
	st.Get("/events", h.listEvents)
}

// listEvents is ?after=<event id>&type=&limit=: the store's events oldest
// first, each exactly the body its webhook carries.
func (h *handlers) listEvents(c *fiber.Ctx) error {
	limit := c.QueryInt("limit", 100)
	if limit < 1 || limit > 500 {
		return Fail(fiber.StatusBadRequest, "invalid_input", "limit must be between 1 and 500")
	}
	page, err := webhooks.Feed(c.UserContext(), h.DB, currentStore(c).ID, c.Query("after"), c.Query("type"), limit, db.Now())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": page.Events, "next_after": page.Last, "has_more": len(page.Events) == limit})
}

// changedOrder is an order as the pull API gives it: everything a seller's
// system needs to update its copy.
type changedOrder struct {
	*orders.Order
	Customer orders.Customer `json:"customer"`
	Items    []orders.Item   `json:"items"`
}

// pullOrders answers GET …/orders?updated_since=<RFC 3339> or ?cursor=:
// orders by when they last changed, oldest first, with a cursor to pass
// back for the next page (and to keep for the next poll).
func (h *handlers) pullOrders(c *fiber.Ctx) error {
	limit := c.QueryInt("limit", 100)
	if limit < 1 || limit > 500 {
		return Fail(fiber.StatusBadRequest, "invalid_input", "limit must be between 1 and 500")
	}
	var cur orders.ChangeCursor
	if raw := c.Query("cursor"); raw != "" {
		var ok bool
		if cur, ok = decodeCursor(raw); !ok {
			return Fail(fiber.StatusBadRequest, "invalid_input", "cursor is not one this API returned")
		}
	} else {
		t, err := time.Parse(time.RFC3339Nano, c.Query("updated_since"))
		if err != nil {
			return Fail(fiber.StatusBadRequest, "invalid_input", `updated_since must be an RFC 3339 time, e.g. "2026-12-01T00:00:00Z"`)
		}
		cur = orders.ChangeCursor{UpdatedAt: t}
	}
	ctx, storeID := c.UserContext(), currentStore(c).ID
	os, err := orders.Changed(ctx, h.DB, storeID, cur, limit, db.Now().Add(-webhooks.FeedSettle))
	if err != nil {
		return err
	}
	ids := make([]string, len(os))
	for i, o := range os {
		ids[i] = o.ID
	}
	items, err := orders.ItemsOf(ctx, h.DB, storeID, ids)
	if err != nil {
		return err
	}
	out := make([]changedOrder, len(os))
	for i := range os {
		o := &os[i]
		out[i] = changedOrder{Order: o, Customer: orders.Customer{Name: o.CustomerName, Email: o.CustomerEmail, Phone: o.Phone},
			Items: append([]orders.Item{}, items[o.ID]...)}
		cur = orders.ChangeCursor{UpdatedAt: o.UpdatedAt, ID: o.ID}
	}
	return c.JSON(fiber.Map{"data": out, "next_cursor": encodeCursor(cur), "has_more": len(os) == limit})
}

// A cursor is opaque to clients: base64url of "<RFC 3339 time>|<order id>".
func encodeCursor(cur orders.ChangeCursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cur.UpdatedAt.UTC().Format(time.RFC3339Nano) + "|" + cur.ID))
}

func decodeCursor(s string) (orders.ChangeCursor, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return orders.ChangeCursor{}, false
	}
	at, id, ok := strings.Cut(string(raw), "|")
	t, err := time.Parse(time.RFC3339Nano, at)
	if !ok || err != nil {
		return orders.ChangeCursor{}, false
	}
	return orders.ChangeCursor{UpdatedAt: t, ID: id}, true
}
