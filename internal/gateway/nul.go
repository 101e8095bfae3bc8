package gateway

import (
	"bytes"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// refuseNUL answers 400 to any request whose query, form or JSON text holds
// a NUL character. No field of ours can contain one, PostgreSQL's text
// refuses it, and the SQLite driver turns it into a broken statement: a 400
// here keeps such input from ever reaching a query. Callbacks are exempt:
// they are stored as bytes, whatever they hold.
func refuseNUL(c *fiber.Ctx) error {
	if strings.HasPrefix(c.Path(), "/callbacks/") || strings.HasPrefix(c.Path(), "/daraja/") {
		return c.Next()
	}
	if urlNUL(c.Request().URI().QueryString()) || urlNUL(c.Request().URI().PathOriginal()) {
		return nulError()
	}
	ctype := strings.ToLower(c.Get(fiber.HeaderContentType))
	if strings.HasPrefix(ctype, fiber.MIMEMultipartForm) {
		form, err := c.MultipartForm()
		if err != nil {
			return fiber.NewError(fiber.StatusBadRequest, "The form could not be read.")
		}
		for _, vs := range form.Value {
			for _, v := range vs {
				if strings.IndexByte(v, 0) >= 0 {
					return nulError()
				}
			}
		}
		return c.Next()
	}
	body := c.Request().Body()
	if bytes.IndexByte(body, 0) >= 0 || bytes.Contains(bytes.ToLower(body), []byte(`\u0000`)) ||
		strings.HasPrefix(ctype, fiber.MIMEApplicationForm) && urlNUL(body) {
		return nulError()
	}
	return c.Next()
}

// urlNUL finds a NUL raw or URL-encoded (%00) in URL-encoded text.
func urlNUL(b []byte) bool {
	return bytes.IndexByte(b, 0) >= 0 || bytes.Contains(b, []byte("%00"))
}

func nulError() error {
	return Fail(fiber.StatusBadRequest, "invalid_input", "The request contains a NUL character, which no field accepts.")
}
