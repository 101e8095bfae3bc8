package gateway

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// openAPIDocument describes the merchant and seller API (everything under
// /api/v1 but the admin console) and the webhook payloads. openapi_test.go
// keeps it true to the registered routes.
//
//go:embed openapi.json
var openAPIDocument []byte

func serveOpenAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(openAPIDocument)
}
