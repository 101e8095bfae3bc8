package gateway

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/tenants/checkout"
)

// A checkout refused for lack of a slot is a 503 with Retry-After, in the
// API's error shape: the client may simply try again.
func TestBusyCheckoutIsA503WithRetryAfter(t *testing.T) {
	app := fiber.New(fiber.Config{ErrorHandler: errorHandler(nil, nil)})
	app.Post("/api/v1/checkout", func(*fiber.Ctx) error { return &checkout.BusyError{Wait: 2 * time.Second} })
	res, err := app.Test(httptest.NewRequest("POST", "/api/v1/checkout", nil))
	require.NoError(t, err)
	require.Equal(t, fiber.StatusServiceUnavailable, res.StatusCode)
	require.Equal(t, "2", res.Header.Get(fiber.HeaderRetryAfter))
	var body apiError
	require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	require.Equal(t, "busy", body.Error.Code)
	require.NotEmpty(t, body.Error.Message)
}
