package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// Client calls the platform's JSON API (through the proxy) and the
// simulator's control API.
type Client struct {
	Base string
	HTTP *http.Client
}

// Client returns a client of the cluster's proxy.
func (c *Cluster) Client() *Client {
	return &Client{Base: c.Proxy.URL, HTTP: &http.Client{Timeout: 15 * time.Second}}
}

// Do sends a JSON request and decodes a JSON answer into out (when not
// nil); it returns the status code.
func (cl *Client) Do(ctx context.Context, method, url string, body, out any, header ...string) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := cl.HTTP.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if out != nil && res.StatusCode < 300 && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return res.StatusCode, fmt.Errorf("%s %s: %w: %.200s", method, url, err, raw)
		}
	}
	return res.StatusCode, nil
}

// Shop is a merchant's store, set up for checkouts: M-Pesa credentials of
// an app of its own in the simulator (so its token mints can be counted),
// a product with plenty of stock, and a webhook endpoint to the receiver.
type Shop struct {
	Slug        string
	ConsumerKey string
	ProductID   string
	Auth        []string
	client      *Client
}

// NewShop signs up a merchant and sets up store slug.
func (c *Cluster) NewShop(t testing.TB, slug string) *Shop {
	t.Helper()
	ctx := context.Background()
	cl := c.Client()
	must := func(status int, err error, want int, what string) {
		t.Helper()
		if err != nil || status != want {
			t.Fatalf("cluster: %s: status %d, %v", what, status, err)
		}
	}
	s := &Shop{Slug: slug, ConsumerKey: "key-" + slug, client: cl}
	sim := &Client{Base: c.SimURL(), HTTP: cl.HTTP}
	st, err := sim.Do(ctx, "POST", sim.Base+"/simulator/v1/apps", map[string]string{"consumer_key": s.ConsumerKey, "consumer_secret": "secret-" + slug}, nil)
	must(st, err, 201, "simulator app")

	var signup struct{ Token string }
	st, err = cl.Do(ctx, "POST", cl.Base+"/api/v1/signup", map[string]string{"email": slug + "@example.com", "password": "correct horse battery", "name": "Wanjiru"}, &signup)
	must(st, err, 201, "signup")
	s.Auth = []string{"Authorization", "Bearer " + signup.Token}
	st, err = cl.Do(ctx, "POST", cl.Base+"/api/v1/stores", map[string]string{"slug": slug, "name": "Duka " + slug}, nil, s.Auth...)
	must(st, err, 201, "store")
	// The store is its owner's on every gateway at once, not only once
	// the policy watcher's message reached the others.
	for _, gw := range c.Gateways {
		direct := &Client{Base: "http://" + gw.Addr, HTTP: cl.HTTP}
		st, err := direct.Do(ctx, "GET", direct.Base+"/api/v1/stores/"+slug, nil, nil, s.Auth...)
		must(st, err, 200, "the new store on "+gw.Name)
	}
	st, err = cl.Do(ctx, "PUT", cl.Base+"/api/v1/stores/"+slug+"/mpesa", map[string]string{"environment": "sandbox", "type": "paybill",
		"shortcode": "174379", "passkey": sandboxPasskey, "consumer_key": s.ConsumerKey, "consumer_secret": "secret-" + slug}, nil, s.Auth...)
	must(st, err, 200, "credentials")
	var product struct{ ID string }
	st, err = cl.Do(ctx, "POST", cl.Base+"/api/v1/stores/"+slug+"/products", map[string]any{"name": "Kikoi", "price": 150000, "currency": "KES", "stock": 100000}, &product, s.Auth...)
	must(st, err, 201, "product")
	s.ProductID = product.ID
	st, err = cl.Do(ctx, "POST", cl.Base+"/api/v1/stores/"+slug+"/webhooks", map[string]any{"url": c.Hooks.URL,
		"events": []string{"order.created", "order.paid", "order.payment_failed"}}, nil, s.Auth...)
	must(st, err, 201, "webhook endpoint")
	return s
}

// sandboxPasskey is the simulator's (and Daraja sandbox's) passkey for 174379.
const sandboxPasskey = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"

// Checkout places an order for one item, paid from phone; it returns the
// status code (201 when the order was taken).
func (s *Shop) Checkout(ctx context.Context, phone string) (int, error) {
	return s.client.Do(ctx, "POST", s.client.Base+"/api/v1/storefront/"+s.Slug+"/orders", map[string]any{
		"items": []map[string]any{{"product_id": s.ProductID, "quantity": 1}}, "phone": phone,
		"customer": map[string]string{"name": "Otieno", "email": "otieno@example.com"}}, nil)
}

// Mints is how many OAuth tokens the simulator minted for the shop's app.
func (c *Cluster) Mints(t testing.TB, s *Shop) int {
	t.Helper()
	var out struct{ Mints int }
	sim := &Client{Base: c.SimURL(), HTTP: &http.Client{Timeout: 5 * time.Second}}
	if st, err := sim.Do(context.Background(), "GET", sim.Base+"/simulator/v1/apps/"+s.ConsumerKey+"/mints", nil, &out); err != nil || st != 200 {
		t.Fatalf("cluster: mints: %d %v", st, err)
	}
	return out.Mints
}
