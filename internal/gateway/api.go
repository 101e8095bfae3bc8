package gateway

import (
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"
)

func (h *handlers) mountAPI(app *fiber.App) {
	api := app.Group("/api/v1")
	api.Post("/signup", h.signup)
	api.Post("/login", h.login)

	sf := api.Group("/storefront/:slug", h.publicStore)
	sf.Get("/products", h.storefrontProducts)
	sf.Post("/orders", h.placeOrder)
	sf.Get("/orders/:id", h.customerOrder)
	sf.Post("/orders/:id/payments", h.retryPayment)

	api.Post("/stores", h.requireUser, h.createStore)
	st := api.Group("/stores/:slug", h.requireUser, h.memberStore)
	st.Get("", h.getStore)
	st.Get("/mpesa", h.requireOwner, h.getCredentials)
	st.Put("/mpesa", h.requireOwner, h.putCredentials)
	st.Get("/products", h.listProducts)
	st.Post("/products", h.createProduct)
	st.Get("/webhooks", h.requireOwner, h.listWebhooks)
	st.Post("/webhooks", h.requireOwner, h.createWebhook)
	st.Get("/webhooks/deliveries", h.requireOwner, h.listDeliveries)
	st.Get("/orders", h.listOrders)
	st.Get("/orders/:id", h.getOrder)
	st.Get("/notifications", h.listNotifications)
}

// decode reads a JSON body strictly: unknown fields and trailing data are
// refused, so a typo in a field name is an error rather than a silent
// default.
func decode(c *fiber.Ctx, v any) error {
	if !strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEApplicationJSON) {
		return Fail(fiber.StatusUnsupportedMediaType, "unsupported_media_type", "Send the body as application/json.")
	}
	dec := json.NewDecoder(strings.NewReader(string(c.Body())))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Fail(fiber.StatusBadRequest, "invalid_json", "The body is not valid JSON for this request: "+jsonProblem(err))
	}
	if dec.More() {
		return Fail(fiber.StatusBadRequest, "invalid_json", "The body has data after the JSON object.")
	}
	return nil
}

// jsonProblem describes a decoding error without echoing the body.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case asErr(err, &te):
		return "field " + te.Field + " has the wrong type"
	case asErr(err, &se):
		return "syntax error"
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return strings.TrimPrefix(err.Error(), "json: ")
	default:
		return "malformed"
	}
}

// list is how every collection is answered.
func list[T any](c *fiber.Ctx, items []T) error {
	if items == nil {
		items = []T{}
	}
	return c.JSON(fiber.Map{"data": items})
}
