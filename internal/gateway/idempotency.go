package gateway

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/idempotency"
)

// idempotent makes a storefront write safe to retry with an
// Idempotency-Key header (Stripe's semantics). Keys are scoped to the store,
// the route and the order it acts on. Answers are stored except 5xx and
// 429, which changed nothing and which a retry should run again.
func (h *handlers) idempotent(scope string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		key := c.Get("Idempotency-Key")
		if key == "" {
			return c.Next()
		}
		if len(key) > 255 {
			return Fail(fiber.StatusBadRequest, "invalid_idempotency_key", "Idempotency-Key must be at most 255 characters.")
		}
		ctx, storeID := c.UserContext(), currentStore(c).ID
		scope := scope + ":" + c.Params("id")
		replay, err := h.Idempotency.Begin(ctx, storeID, scope, key, c.Body())
		switch {
		case errors.Is(err, idempotency.ErrInFlight):
			return Fail(fiber.StatusConflict, "idempotency_in_flight", "A request with this Idempotency-Key is still being processed; retry shortly.")
		case errors.Is(err, idempotency.ErrMismatch):
			return Fail(fiber.StatusUnprocessableEntity, "idempotency_mismatch", "This Idempotency-Key was already used with a different request body.")
		case err != nil:
			return err
		case replay != nil:
			c.Set("Idempotent-Replayed", "true")
			return c.Status(replay.Status).Type("json").Send(replay.Body)
		}
		if err := c.Next(); err != nil {
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				return herr
			}
		}
		status := c.Response().StatusCode()
		if status >= 500 || status == fiber.StatusTooManyRequests {
			return h.Idempotency.Abandon(ctx, storeID, scope, key)
		}
		body := append([]byte(nil), c.Response().Body()...)
		return h.Idempotency.Finish(ctx, storeID, scope, key, idempotency.Response{Status: status, Body: body})
	}
}
