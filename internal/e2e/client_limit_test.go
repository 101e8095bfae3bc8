package e2e

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/devstack/stacktest"
)

// TestOneAddressCannotHoardStock: orders and signups from one client
// address are bounded (each order holds stock until it expires).
func TestOneAddressCannotHoardStock(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{Env: map[string]string{"SOKOHUB_CLIENT_LIMITS": "4/1m"}})
	c := client{t: t, base: stack.URL}
	s := setupShop(t, c, "hoard") // one signup
	body := func(n int) map[string]any {
		// another phone each time, so the per-phone prompt limit stays out of it
		return map[string]any{"items": []map[string]any{{"product_id": s.productID, "quantity": 1}}, "phone": "071234567" + string(rune('0'+n))}
	}
	statuses := []int{}
	for n := range 5 {
		statuses = append(statuses, c.do("POST", "/api/v1/storefront/hoard/orders", body(n)).Status)
	}
	require.Equal(t, []int{201, 201, 201, 201, 429}, statuses)
	r := c.do("POST", "/api/v1/storefront/hoard/orders", body(6))
	require.Equal(t, "rate_limited", dig(r.json(t), "error", "code"))
	require.Len(t, c.do("GET", "/api/v1/stores/hoard/orders", nil, s.auth...).json(t)["data"].([]any), 4)
	for i := range 3 {
		c.do("POST", "/api/v1/signup", map[string]any{"email": "h" + string(rune('a'+i)) + "@example.com", "password": "12345678", "name": "H"})
	}
	r = c.do("POST", "/api/v1/signup", map[string]any{"email": "hz@example.com", "password": "12345678", "name": "H"})
	require.Equal(t, 429, r.Status, "%s", r.Body)
}
