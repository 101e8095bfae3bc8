package gateway

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"
)

// A body that is JSON but not an object is told so, in words a client can
// act on, rather than "field  has the wrong type".
func TestDecodeNamesABodyThatIsNotAnObject(t *testing.T) {
	app := fiber.New(fiber.Config{ErrorHandler: errorHandler(nil, nil)})
	app.Post("/api/v1/x", func(c *fiber.Ctx) error {
		var v struct {
			Phone string `json:"phone"`
		}
		return decode(c, &v)
	})
	for body, want := range map[string]string{
		`[]`: "the body must be a JSON object", `"0712345678"`: "the body must be a JSON object",
		`{"phone":1}`: "field phone has the wrong type",
	} {
		req := httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		res, err := app.Test(req)
		require.NoError(t, err)
		require.Equal(t, fiber.StatusBadRequest, res.StatusCode, body)
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		var e struct {
			Error struct{ Code, Message string }
		}
		require.NoError(t, json.Unmarshal(b, &e), string(b))
		require.Equal(t, "invalid_json", e.Error.Code)
		require.Contains(t, e.Error.Message, want, body)
	}
}
