package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/devstack/stacktest"
)

// rawHook keeps every request as received, for checks a parsed event
// cannot make (two signatures during a rotation, redelivered ids).
type rawHook struct {
	mu   sync.Mutex
	reqs []rawRequest
}

type rawRequest struct {
	header http.Header
	body   []byte
}

func (h *rawHook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.reqs = append(h.reqs, rawRequest{header: r.Header.Clone(), body: body})
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (h *rawHook) all() []rawRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]rawRequest(nil), h.reqs...)
}

func (h *rawHook) ofType(typ string) []rawRequest {
	var out []rawRequest
	for _, r := range h.all() {
		var e map[string]any
		if json.Unmarshal(r.body, &e) == nil && e["type"] == typ {
			out = append(out, r)
		}
	}
	return out
}

func list(t *testing.T, r reply) []map[string]any {
	t.Helper()
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var out []map[string]any
	for _, v := range r.json(t)["data"].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

func TestWebhooksAPI(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{})
	c := client{t: t, base: stack.URL}
	s := setupShop(t, c, "duka")
	base := "/api/v1/stores/duka"

	hook := &rawHook{}
	srv := httptest.NewServer(hook)
	t.Cleanup(srv.Close)
	r := c.do("POST", base+"/webhooks", map[string]any{"url": srv.URL + "/erp", "events": []string{"order.paid"}}, s.auth...)
	require.Equal(t, 201, r.Status, "%s", r.Body)
	ep := r.json(t)
	epID, secret := str(ep["id"]), str(ep["secret"])
	epPath := base + "/webhooks/" + epID

	since := time.Now().UTC().Add(-time.Second)
	id, token := s.order(t, "0712 345 678", 1)
	s.waitPayment(t, id, token, "succeeded")
	eventually(t, "order.paid at the second endpoint", func() bool { return len(hook.ofType("order.paid")) == 1 })
	first := hook.ofType("order.paid")[0]
	require.Empty(t, verifySpec(secret, first.header, first.body), "an independent verifier accepts it")

	t.Run("PayloadIsComplete", func(t *testing.T) {
		var e map[string]any
		require.NoError(t, json.Unmarshal(first.body, &e))
		require.Equal(t, first.header.Get("webhook-id"), e["id"], "the body's id is the dedupe key")
		require.Equal(t, "order.paid", e["type"])
		_, err := time.Parse(time.RFC3339Nano, str(e["created_at"]))
		require.NoError(t, err)
		require.Equal(t, "duka", dig(e, "store", "slug"))
		require.Equal(t, dig(e, "store", "id"), e["store_id"])
		order := dig(e, "data", "order").(map[string]any)
		require.Equal(t, id, order["id"])
		require.EqualValues(t, 150000, num(order["total"]))
		require.Equal(t, "KES", order["currency"])
		require.Equal(t, "254712***678", dig(order, "customer", "phone"))
		require.Equal(t, "Otieno", dig(order, "customer", "name"))
		require.Regexp(t, `^[A-Z0-9]{10}$`, order["receipt"])
		require.GreaterOrEqual(t, num(order["sequence"]), int64(2))
		items := order["items"].([]any)
		require.Len(t, items, 1)
		require.Equal(t, "Kikoi", dig(items[0].(map[string]any), "name"))
	})

	t.Run("DeliveryLog", func(t *testing.T) {
		r := c.do("GET", epPath, nil, s.auth...)
		require.Equal(t, 200, r.Status, "%s", r.Body)
		require.Equal(t, "active", r.json(t)["status"])
		require.NotContains(t, string(r.Body), "whsec_", "the secret is shown once")

		var ds []map[string]any
		eventually(t, "the delivery logged as delivered", func() bool {
			ds = list(t, c.do("GET", epPath+"/deliveries?status=delivered&event=order.paid", nil, s.auth...))
			return len(ds) == 1
		})
		d := ds[0]
		require.Equal(t, "order.paid", d["event_type"])
		attempts := d["attempt_log"].([]any)
		require.Len(t, attempts, 1)
		a := attempts[0].(map[string]any)
		require.Equal(t, srv.URL+"/erp", dig(a, "request", "url"))
		require.Equal(t, string(first.body), dig(a, "request", "body"))
		require.Equal(t, first.header.Get("webhook-id"), dig(a, "request", "headers", "Webhook-Id"))
		require.EqualValues(t, 204, num(dig(a, "response", "status")))
		require.Contains(t, a, "duration_ms")
		require.NotContains(t, string(c.do("GET", epPath+"/deliveries", nil, s.auth...).Body), first.header.Get("webhook-signature"),
			"signatures are not kept in the log")

		require.Empty(t, list(t, c.do("GET", epPath+"/deliveries?status=failed", nil, s.auth...)))
		require.Empty(t, list(t, c.do("GET", epPath+"/deliveries?event=order.created", nil, s.auth...)))
		require.Equal(t, 400, c.do("GET", epPath+"/deliveries?status=lost", nil, s.auth...).Status)
		require.Equal(t, 404, c.do("GET", base+"/webhooks/whe_nope/deliveries", nil, s.auth...).Status)
	})

	t.Run("TestEventReplayAndRecover", func(t *testing.T) {
		r := c.do("POST", epPath+"/test", nil, s.auth...)
		require.Equal(t, 202, r.Status, "%s", r.Body)
		eventually(t, "endpoint.test delivered", func() bool { return len(hook.ofType("endpoint.test")) == 1 })
		test := hook.ofType("endpoint.test")[0]
		require.Empty(t, verifySpec(secret, test.header, test.body))
		require.Empty(t, s.hook.ofType("endpoint.test"), "the store's other endpoint gets no test event")

		d := list(t, c.do("GET", epPath+"/deliveries?event=order.paid", nil, s.auth...))[0]
		r = c.do("POST", epPath+"/deliveries/"+str(d["id"])+"/replay", nil, s.auth...)
		require.Equal(t, 202, r.Status, "%s", r.Body)
		eventually(t, "order.paid replayed", func() bool { return len(hook.ofType("order.paid")) == 2 })
		again := hook.ofType("order.paid")[1]
		require.Equal(t, first.header.Get("webhook-id"), again.header.Get("webhook-id"), "a replay keeps the event id")
		require.Equal(t, first.body, again.body)
		require.Empty(t, verifySpec(secret, again.header, again.body))

		r = c.do("POST", epPath+"/recover", map[string]any{"since": since.Format(time.RFC3339)}, s.auth...)
		require.Equal(t, 202, r.Status, "%s", r.Body)
		require.EqualValues(t, 0, num(r.json(t)["replayed"]), "nothing failed")
		require.Equal(t, 400, c.do("POST", epPath+"/recover", map[string]any{"since": time.Now().Add(time.Hour)}, s.auth...).Status)
		require.Equal(t, 400, c.do("POST", epPath+"/recover", map[string]any{"since": "yesterday"}, s.auth...).Status)
		require.Equal(t, 404, c.do("POST", epPath+"/deliveries/dlv_nope/replay", nil, s.auth...).Status)
		r = c.do("POST", epPath+"/resume", nil, s.auth...)
		require.Equal(t, 409, r.Status, "an active endpoint has nothing to resume: %s", r.Body)
	})

	t.Run("RotationOverlap", func(t *testing.T) {
		r := c.do("POST", epPath+"/rotate", nil, s.auth...)
		require.Equal(t, 200, r.Status, "%s", r.Body)
		rotated := r.json(t)
		newSecret := str(rotated["secret"])
		require.True(t, strings.HasPrefix(newSecret, "whsec_"))
		require.NotEqual(t, secret, newSecret)
		expires, err := time.Parse(time.RFC3339Nano, str(rotated["previous_secret_expires_at"]))
		require.NoError(t, err)
		require.WithinDuration(t, time.Now().Add(24*time.Hour), expires, time.Minute)

		before := len(hook.ofType("endpoint.test"))
		require.Equal(t, 202, c.do("POST", epPath+"/test", nil, s.auth...).Status)
		eventually(t, "a delivery after rotating", func() bool { return len(hook.ofType("endpoint.test")) == before+1 })
		got := hook.ofType("endpoint.test")[before]
		require.Len(t, strings.Fields(got.header.Get("webhook-signature")), 2)
		require.Empty(t, verifySpec(secret, got.header, got.body), "receivers on the old secret still verify")
		require.Empty(t, verifySpec(newSecret, got.header, got.body), "and so do those already on the new one")
	})

	t.Run("OnlyOwners", func(t *testing.T) {
		other := setupShop(t, c, "other")
		require.Equal(t, 404, c.do("GET", epPath, nil, other.auth...).Status)
		require.Equal(t, 404, c.do("POST", epPath+"/rotate", nil, other.auth...).Status)
		require.Equal(t, 401, c.do("GET", epPath+"/deliveries", nil).Status)
	})

	t.Run("PullEvents", func(t *testing.T) {
		var events []map[string]any
		eventually(t, "events listed", func() bool {
			events = list(t, c.do("GET", base+"/events", nil, s.auth...))
			n := 0
			for _, e := range events {
				if e["type"] == "order.created" || e["type"] == "order.paid" {
					n++
				}
			}
			return n == 2
		})
		for i, e := range events {
			if i > 0 {
				require.Greater(t, str(e["id"]), str(events[i-1]["id"]), "oldest first, by id")
			}
			if strings.HasPrefix(str(e["type"]), "order.") {
				require.NotNil(t, dig(e, "data", "order", "sequence"), "%s carries the order's sequence", e["type"])
				require.NotNil(t, dig(e, "data", "order", "items"))
			}
		}
		var paid map[string]any
		for _, e := range events {
			if e["type"] == "order.paid" {
				paid = e
			}
		}
		var delivered map[string]any
		require.NoError(t, json.Unmarshal(first.body, &delivered))
		require.Equal(t, delivered, paid, "the feed has the webhook body as it was sent")

		page := c.do("GET", base+"/events?limit=1", nil, s.auth...).json(t)
		require.Len(t, page["data"], 1)
		require.Equal(t, true, page["has_more"])
		next := c.do("GET", base+"/events?limit=1&after="+url.QueryEscape(str(page["next_after"])), nil, s.auth...).json(t)
		require.Equal(t, str(events[1]["id"]), str(dig(next["data"].([]any)[0].(map[string]any), "id")))
		last := c.do("GET", base+"/events?after="+url.QueryEscape(str(events[len(events)-1]["id"])), nil, s.auth...).json(t)
		require.Empty(t, last["data"])
		require.Equal(t, str(events[len(events)-1]["id"]), last["next_after"], "an empty page keeps the position")
		require.Len(t, list(t, c.do("GET", base+"/events?type=order.paid", nil, s.auth...)), 1)
		require.Equal(t, 400, c.do("GET", base+"/events?limit=0", nil, s.auth...).Status)
	})

	t.Run("PullOrders", func(t *testing.T) {
		var page map[string]any
		eventually(t, "the paid order listed", func() bool {
			page = c.do("GET", base+"/orders?updated_since="+url.QueryEscape(since.Format(time.RFC3339)), nil, s.auth...).json(t)
			data, _ := page["data"].([]any)
			return len(data) == 1 && dig(data[0].(map[string]any), "status") == "paid"
		})
		o := page["data"].([]any)[0].(map[string]any)
		require.Equal(t, id, o["id"])
		require.Len(t, o["items"], 1)
		require.Equal(t, "254712345678", dig(o, "customer", "phone"), "the merchant sees the full phone")
		cursor := str(page["next_cursor"])
		require.NotEmpty(t, cursor)
		require.Equal(t, false, page["has_more"])

		next := c.do("GET", base+"/orders?cursor="+url.QueryEscape(cursor), nil, s.auth...).json(t)
		require.Empty(t, next["data"], "nothing changed since")
		require.Equal(t, cursor, next["next_cursor"], "keep polling with the same cursor")

		// A second order shows up after the cursor, and only it.
		id2, token2 := s.order(t, "0712 345 678", 1)
		s.waitPayment(t, id2, token2, "succeeded")
		eventually(t, "the new order after the cursor", func() bool {
			data, _ := c.do("GET", base+"/orders?cursor="+url.QueryEscape(cursor), nil, s.auth...).json(t)["data"].([]any)
			return len(data) == 1 && dig(data[0].(map[string]any), "id") == id2 && dig(data[0].(map[string]any), "status") == "paid"
		})
		require.Equal(t, 400, c.do("GET", base+"/orders?updated_since=yesterday", nil, s.auth...).Status)
		require.Equal(t, 400, c.do("GET", base+"/orders?cursor=bm9wZQ", nil, s.auth...).Status)
	})

	t.Run("OpenAPIIsServed", func(t *testing.T) {
		r := c.do("GET", "/api/v1/openapi.json", nil)
		require.Equal(t, 200, r.Status)
		require.Equal(t, "3.1.0", r.json(t)["openapi"])
	})
}

// fakeSMSGateway answers like Africa's Talking, failing until told not to.
type fakeSMSGateway struct {
	up   atomic.Bool
	hits atomic.Int32
}

func (g *fakeSMSGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.hits.Add(1)
	if !g.up.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	_ = r.ParseForm()
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"SMSMessageData": map[string]any{"Message": "Sent to 1/1",
		"Recipients": []map[string]any{{"statusCode": 101, "number": r.PostForm.Get("to"), "status": "Success", "messageId": "ATXid_e2e"}}}})
}

func TestFailingSMSProviderNeverBlocksPayment(t *testing.T) {
	gw := &fakeSMSGateway{}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	stack := stacktest.Start(t, stacktest.Options{Env: map[string]string{"SOKOHUB_SMS_PROVIDER": "africastalking",
		"SOKOHUB_SMS_URL": srv.URL, "SOKOHUB_SMS_USERNAME": "sandbox", "SOKOHUB_SMS_API_KEY": "atsk_test"}})
	c := client{t: t, base: stack.URL}
	s := setupShop(t, c, "sms-down")

	id, token := s.order(t, "0712 345 678", 1)
	view := s.waitPayment(t, id, token, "succeeded")
	require.Equal(t, "paid", view["status"], "the order is paid while the SMS gateway is down")
	eventually(t, "order.paid webhook", func() bool { return len(s.hook.ofType("order.paid")) == 1 })

	sms := func() map[string]any {
		for _, n := range list(t, c.do("GET", "/api/v1/stores/sms-down/notifications", nil, s.auth...)) {
			if n["kind"] == "order_confirmation" && n["channel"] == "sms" {
				return n
			}
		}
		return nil
	}
	eventually(t, "a failed SMS attempt recorded", func() bool { n := sms(); return n != nil && n["last_error"] != nil })
	require.Equal(t, "pending", sms()["status"])
	require.Equal(t, "africastalking", sms()["provider"])
	require.NotContains(t, str(sms()["last_error"]), "atsk_test")

	gw.up.Store(true)
	eventually(t, "the SMS sent on a retry", func() bool { return sms()["status"] == "sent" })
	require.Equal(t, "ATXid_e2e", sms()["provider_ref"])
}
