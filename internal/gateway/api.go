package gateway

import (
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// mountAPI adds the JSON API. Each area mounts its own routes from its
// own file; the policy gate has already resolved a store route's store and
// checked the caller's role in it (admin/policy/rules.go lists every route).
func (h *handlers) mountAPI(app *fiber.App) {
	api := app.Group("/api/v1")
	api.Get("/openapi.json", serveOpenAPI)
	h.mountAuth(api)
	h.mountStorefrontAPI(api.Group("/storefront/:slug", h.publicStore))
	api.Post("/stores", h.createStore)
	st := api.Group("/stores/:slug")
	h.mountStoreAPI(st)
	h.mountAccessAPI(st)
	h.mountAdminAPI(api)
	h.mountWebhooksAPI(st)
	h.mountEventsAPI(st)
	h.mountNotifyAPI(st)
	h.mountPaymentsAPI(st)
}

// Body limits: the server takes up to maxUploadBytes (a phone photo for a
// product), while JSON bodies are held to maxJSONBytes.
const (
	maxUploadBytes = 8 << 20
	maxJSONBytes   = 1 << 20
)

// decode reads a JSON body strictly: unknown fields and trailing data are
// refused, so a typo in a field name is an error rather than a silent
// default.
func decode(c *fiber.Ctx, v any) error {
	if len(c.Body()) > maxJSONBytes {
		return Fail(fiber.StatusRequestEntityTooLarge, "body_too_large", "The JSON body is larger than 1 MiB.")
	}
	if !strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEApplicationJSON) {
		return Fail(fiber.StatusUnsupportedMediaType, "unsupported_media_type", "Send the body as application/json.")
	}
	if t := strings.TrimSpace(string(c.Body())); t == "null" || t == "" {
		// Decoding null into a struct changes nothing and succeeds: a PUT
		// would then write empty values.
		return Fail(fiber.StatusBadRequest, "invalid_json", "Send a JSON object as the body.")
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
	case asErr(err, &te) && te.Field == "":
		return "the body must be a JSON object"
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
