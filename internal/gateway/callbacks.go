package gateway

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/payments"
)

// stkCallback stores whatever Daraja (or anyone) posts and answers at
// once. Daraja never retries a callback, so the only thing that could lose
// one is not storing it: no parsing happens here. Bodies are read raw (no
// decompression), capped, and copied before they outlive the handler.
func (h *handlers) stkCallback(c *fiber.Ctx) error {
	if enc := c.Get(fiber.HeaderContentEncoding); enc != "" && !strings.EqualFold(enc, "identity") {
		return Fail(fiber.StatusUnsupportedMediaType, "unsupported_encoding", "Send the callback uncompressed.")
	}
	raw := c.Request().Body()
	if len(raw) > payments.MaxCallbackBytes {
		raw = raw[:payments.MaxCallbackBytes]
	}
	body := append([]byte(nil), raw...)
	token := strings.Clone(c.Params("token"))
	ip := c.IP()
	if len(h.CallbackSources.Allow) > 0 && !h.CallbackSources.Allowed(ip) {
		// Anyone can post here; a stranger's bodies must not fill the
		// database. Daraja's listed addresses are never limited (nor is
		// anyone when no list is set: dev, where the simulator calls).
		if err := h.checkClient(c, "callback"); err != nil {
			return err
		}
	}
	allowed := h.CallbackSources.Allowed(ip)
	if !allowed {
		h.Logger.WarnContext(c.UserContext(), "callback from outside the Daraja allow-list", "remote_addr", ip,
			"enforced", h.CallbackSources.Enforce)
	}
	refuse := !allowed && h.CallbackSources.Enforce
	if err := h.Payments.Receive(c.UserContext(), token, body, ip, refuse); err != nil {
		return err
	}
	if refuse {
		return Fail(fiber.StatusForbidden, "forbidden", "Callbacks are accepted from Safaricom only.")
	}
	return c.JSON(fiber.Map{"ResultCode": 0, "ResultDesc": "Accepted"})
}
