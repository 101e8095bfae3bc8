package gateway

import (
	"math"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// limitClient bounds how often one client address may call a route that
// needs no account; name keeps each route's budget apart.
func (h *handlers) limitClient(name string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := h.checkClient(c, name); err != nil {
			return err
		}
		return c.Next()
	}
}

// checkClient takes a token from the client's budget for name, or answers
// 429 with Retry-After. When Redis cannot answer the request goes ahead:
// the limit protects stock and storage, it must not stop sales.
func (h *handlers) checkClient(c *fiber.Ctx, name string) error {
	if h.Limiter == nil || len(h.ClientLimits) == 0 {
		return nil
	}
	d, err := h.Limiter.Allow(c.UserContext(), "client:"+name+":"+c.IP(), h.ClientLimits...)
	if err != nil {
		h.Logger.WarnContext(c.UserContext(), "client limit unavailable; letting the request through", "err", err)
		return nil
	}
	if !d.Allowed {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(d.RetryAfter.Seconds()))))
		return Fail(fiber.StatusTooManyRequests, "rate_limited", "Too many requests from your address; try again in a little while.")
	}
	return nil
}
