package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/devstack/stacktest"
	"github.com/sokohub/sokohub/internal/mpesa/simulator"
)

// post sends a request and returns the whole response (c.do drops the
// headers, and Retry-After is one of the things checked here).
func post(t *testing.T, target, contentType string, body []byte, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, raw
}

// requireRateLimited asserts the API's 429: code rate_limited and a
// Retry-After of at most the 40 s one token of "3 per 2 minutes" takes.
func requireRateLimited(t *testing.T, res *http.Response, raw []byte) {
	t.Helper()
	require.Equal(t, http.StatusTooManyRequests, res.StatusCode, "%s", raw)
	var body map[string]any
	require.NoError(t, json.Unmarshal(raw, &body))
	require.Equal(t, "rate_limited", dig(body, "error", "code"), "%s", raw)
	require.NotEmpty(t, dig(body, "error", "message"))
	wait, err := strconv.Atoi(res.Header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After in seconds: %q", res.Header.Get("Retry-After"))
	require.Positive(t, wait)
	require.LessOrEqual(t, wait, 40)
}

func TestAPhoneOverItsPromptLimitGets429(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{})
	c := client{t: t, base: stack.URL}
	s := setupShop(t, c, "bomb")
	other := setupShop(t, c, "elsewhere")
	placeJSON := func(shop *shop, phone string) []byte {
		b, _ := json.Marshal(map[string]any{"items": []map[string]any{{"product_id": shop.productID, "quantity": 1}}, "phone": phone})
		return b
	}
	const victim = simulator.PhoneCancels // each prompt fails at once, so its order can be retried

	// The default limit: three prompts back to back.
	id, token := s.order(t, victim, 1)
	s.order(t, "0"+victim[3:], 1) // the same phone, written locally
	s.order(t, victim, 1)

	res, raw := post(t, stack.URL+"/api/v1/storefront/bomb/orders", "application/json", placeJSON(s, victim))
	requireRateLimited(t, res, raw)
	res, raw = post(t, stack.URL+"/api/v1/storefront/elsewhere/orders", "application/json", placeJSON(other, victim))
	requireRateLimited(t, res, raw) // the limit is the phone's, whatever the store

	s.waitPayment(t, id, token, "failed")
	retry, _ := json.Marshal(map[string]any{"phone": victim})
	res, raw = post(t, stack.URL+"/api/v1/storefront/bomb/orders/"+id+"/payments", "application/json", retry, "X-Order-Token", token)
	requireRateLimited(t, res, raw)

	orders := c.do("GET", "/api/v1/stores/bomb/orders", nil, s.auth...).json(t)["data"].([]any)
	require.Len(t, orders, 3, "a refused checkout creates no order")
	require.Len(t, s.merchantOrder(t, id)["payments"].([]any), 1, "a refused retry creates no attempt")
	require.EqualValues(t, 2, stock(t, s), "and takes no stock")

	t.Run("TheStorefrontPageSaysWhy", func(t *testing.T) {
		form := url.Values{"phone": {victim}}.Encode()
		res, raw := post(t, stack.URL+"/s/bomb/orders/"+id+"/pay?t="+url.QueryEscape(token),
			"application/x-www-form-urlencoded", []byte(form))
		require.Equal(t, http.StatusTooManyRequests, res.StatusCode, "%s", raw)
		require.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), "text/html"))
		require.Contains(t, string(raw), "M-Pesa prompts to this phone")
	})

	t.Run("OtherPhonesAreUnaffected", func(t *testing.T) {
		r := c.do("POST", "/api/v1/storefront/bomb/orders/"+id+"/payments", map[string]any{"phone": "0712 345 678"},
			"X-Order-Token", token)
		require.Equal(t, 202, r.Status, "%s", r.Body)
		s.waitPayment(t, id, token, "succeeded")
		other.order(t, "0712 345 678", 1)
	})
}
