// Package e2e drives a whole SokoHub stack over HTTP only: a merchant sets
// up a store, a customer pays with M-Pesa STK Push through the Daraja
// simulator, and the seller's endpoint receives signed webhooks.
package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/devstack"
	"github.com/sokohub/sokohub/internal/devstack/stacktest"
)

const sandboxPasskey = devstack.SandboxPasskey

// shop is a merchant's store set up through the API.
type shop struct {
	c         client
	slug      string
	auth      []string
	productID string
	hook      *receiver
}

func setupShop(t *testing.T, c client, slug string) *shop {
	t.Helper()
	r := c.do("POST", "/api/v1/signup", map[string]any{"email": slug + "@example.com", "password": "correct horse", "name": "Achieng"})
	require.Equal(t, 201, r.Status, "%s", r.Body)
	auth := []string{"Authorization", "Bearer " + str(r.json(t)["token"])}

	r = c.do("POST", "/api/v1/stores", map[string]any{"slug": slug, "name": "Achieng's Kiosk"}, auth...)
	require.Equal(t, 201, r.Status, "%s", r.Body)
	require.Equal(t, "active", r.json(t)["status"])

	r = c.do("PUT", "/api/v1/stores/"+slug+"/mpesa", map[string]any{"environment": "sandbox", "type": "paybill",
		"shortcode": "174379", "passkey": sandboxPasskey, "consumer_key": "sim-consumer-key", "consumer_secret": "sim-consumer-secret"}, auth...)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	for _, secret := range []string{sandboxPasskey, "sim-consumer-key", "sim-consumer-secret"} {
		require.NotContains(t, string(r.Body), secret, "credentials are never returned in clear")
	}
	require.True(t, strings.HasSuffix(str(r.json(t)["passkey"]), sandboxPasskey[len(sandboxPasskey)-4:]), "masked to the last 4")
	r = c.do("GET", "/api/v1/stores/"+slug+"/mpesa", nil, auth...)
	require.NotContains(t, string(r.Body), sandboxPasskey)

	r = c.do("POST", "/api/v1/stores/"+slug+"/products", map[string]any{"name": "Kikoi", "price": 150050, "currency": "KES", "stock": 5}, auth...)
	require.Equal(t, 400, r.Status, "KES 1,500.50 is not whole shillings: %s", r.Body)
	require.Contains(t, str(dig(r.json(t), "error", "message")), "whole shillings")
	r = c.do("POST", "/api/v1/stores/"+slug+"/products", map[string]any{"name": "Kikoi", "price": 150000, "currency": "KES", "stock": 5}, auth...)
	require.Equal(t, 201, r.Status, "%s", r.Body)
	productID := str(r.json(t)["id"])

	hook := &receiver{}
	srv := httptest.NewServer(hook)
	t.Cleanup(srv.Close)
	r = c.do("POST", "/api/v1/stores/"+slug+"/webhooks", map[string]any{"url": srv.URL + "/hooks",
		"events": []string{"order.created", "order.paid", "order.payment_failed"}}, auth...)
	require.Equal(t, 201, r.Status, "%s", r.Body)
	hook.secret = str(r.json(t)["secret"])
	require.True(t, strings.HasPrefix(hook.secret, "whsec_"))
	return &shop{c: c, slug: slug, auth: auth, productID: productID, hook: hook}
}

func (s *shop) order(t *testing.T, phone string, qty int) (id, token string) {
	t.Helper()
	r := s.c.do("POST", "/api/v1/storefront/"+s.slug+"/orders", map[string]any{
		"items": []map[string]any{{"product_id": s.productID, "quantity": qty}}, "phone": phone,
		"customer": map[string]any{"name": "Otieno", "email": "otieno@example.com"}})
	require.Equal(t, 201, r.Status, "%s", r.Body)
	m := r.json(t)
	require.Equal(t, "pending", m["status"])
	require.NotContains(t, m, "paid_at", "no payment time before a payment")
	require.Equal(t, "KES", m["currency"])
	require.EqualValues(t, 150000*qty, num(m["total"]))
	return str(m["id"]), str(m["token"])
}

func (s *shop) customerView(t *testing.T, id, token string) map[string]any {
	t.Helper()
	r := s.c.do("GET", "/api/v1/storefront/"+s.slug+"/orders/"+id, nil, "X-Order-Token", token)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	return r.json(t)
}

func (s *shop) waitPayment(t *testing.T, id, token, status string) map[string]any {
	t.Helper()
	var m map[string]any
	eventually(t, "payment "+status, func() bool {
		m = s.customerView(t, id, token)
		return dig(m, "payment", "status") == status
	})
	return m
}

func (s *shop) merchantOrder(t *testing.T, id string) map[string]any {
	t.Helper()
	r := s.c.do("GET", "/api/v1/stores/"+s.slug+"/orders/"+id, nil, s.auth...)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	return r.json(t)
}

func TestCustomerPaysWithSTKPush(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{})
	c := client{t: t, base: stack.URL}
	s := setupShop(t, c, "kiosk")

	page := c.do("GET", "/s/kiosk", nil)
	require.Equal(t, 200, page.Status)
	require.Contains(t, string(page.Body), "Kikoi")
	require.Contains(t, string(page.Body), "KES 1,500")

	before := time.Now()
	id, token := s.order(t, "0712 345 678", 2)
	view := s.waitPayment(t, id, token, "succeeded")
	require.Equal(t, "paid", view["status"])
	receipt := str(dig(view, "payment", "receipt"))
	require.Regexp(t, `^[A-Z0-9]{10}$`, receipt)
	require.Equal(t, receipt, view["receipt"])

	m := s.merchantOrder(t, id)
	require.Equal(t, "paid", m["status"])
	pays := m["payments"].([]any)
	require.Len(t, pays, 1)
	pay := pays[0].(map[string]any)
	require.Equal(t, "succeeded", pay["status"])
	require.Equal(t, "254712345678", pay["phone"])
	require.EqualValues(t, 300000, num(pay["amount"]))
	require.Equal(t, receipt, pay["receipt"])
	require.Equal(t, "0", pay["result_code"])

	t.Run("PushBodyFollowsDaraja", func(t *testing.T) {
		r := c.do("GET", "/daraja/simulator/v1/transactions/"+str(pay["checkout_request_id"]), nil)
		require.Equal(t, 200, r.Status, "%s", r.Body)
		req := r.json(t)["request"].(map[string]any)
		require.EqualValues(t, 3000, num(req["Amount"]), "KES 3,000 in whole shillings")
		require.EqualValues(t, "174379", fmt.Sprint(req["BusinessShortCode"]))
		require.Equal(t, "CustomerPayBillOnline", req["TransactionType"])
		require.Equal(t, "254712345678", fmt.Sprint(req["PhoneNumber"]))
		require.Equal(t, "254712345678", fmt.Sprint(req["PartyA"]))
		require.Equal(t, "174379", fmt.Sprint(req["PartyB"]))
		require.Equal(t, "KIOSK-1001", req["AccountReference"])
		ts := str(req["Timestamp"])
		eat, err := time.ParseInLocation("20060102150405", ts, time.FixedZone("EAT", 3*3600))
		require.NoError(t, err)
		require.WithinDuration(t, before, eat, time.Minute, "timestamp is Nairobi time")
		require.Equal(t, base64.StdEncoding.EncodeToString([]byte("174379"+sandboxPasskey+ts)), req["Password"])
		cb := str(req["CallBackURL"])
		require.True(t, strings.HasPrefix(cb, stack.URL+"/callbacks/stk/"), cb)
		require.GreaterOrEqual(t, len(strings.TrimPrefix(cb, stack.URL+"/callbacks/stk/")), 40, "unguessable token")
		require.NotContains(t, cb, id, "the URL does not reveal the order")
	})

	t.Run("SellerGetsSignedOrderPaid", func(t *testing.T) {
		eventually(t, "order.paid webhook", func() bool { return len(s.hook.ofType("order.paid")) == 1 })
		e := s.hook.ofType("order.paid")[0]
		require.Empty(t, s.hook.bad)
		require.Equal(t, id, dig(e, "data", "order", "id"))
		require.Equal(t, "paid", dig(e, "data", "order", "status"))
		require.Equal(t, receipt, dig(e, "data", "order", "receipt"))
		require.Equal(t, "254712***678", dig(e, "data", "order", "customer", "phone"))
		// Delivery order is best effort (as with Svix and Stripe):
		// order.created may arrive after order.paid.
		eventually(t, "order.created webhook", func() bool { return len(s.hook.ofType("order.created")) == 1 })
	})

	t.Run("CustomerAndSellerAreNotified", func(t *testing.T) {
		var ns []any
		eventually(t, "three sent notifications", func() bool {
			ns = c.do("GET", "/api/v1/stores/kiosk/notifications", nil, s.auth...).json(t)["data"].([]any)
			sent := 0
			for _, n := range ns {
				if n.(map[string]any)["status"] == "sent" {
					sent++
				}
			}
			return sent == 3 // customer SMS, customer email (one was given), seller email
		})
		kinds := map[string]map[string]any{}
		for _, n := range ns {
			kinds[str(n.(map[string]any)["kind"])+"/"+str(n.(map[string]any)["channel"])] = n.(map[string]any)
		}
		require.Equal(t, "254712345678", kinds["order_confirmation/sms"]["recipient"])
		require.Contains(t, kinds["order_confirmation/sms"]["body"], receipt)
		require.Equal(t, "otieno@example.com", kinds["order_confirmation/email"]["recipient"])
		require.Contains(t, kinds["order_confirmation/email"]["body"], receipt)
		require.Equal(t, "kiosk@example.com", kinds["seller_new_order/email"]["recipient"])
	})

	t.Run("PaidOrderRefusesRetry", func(t *testing.T) {
		r := c.do("POST", "/api/v1/storefront/kiosk/orders/"+id+"/payments", map[string]any{}, "X-Order-Token", token)
		require.Equal(t, 409, r.Status, "%s", r.Body)
	})
}

func TestCancelledPromptCanBeRetriedThenPaid(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{})
	c := client{t: t, base: stack.URL}
	s := setupShop(t, c, "duka")

	id, token := s.order(t, "254700000002", 1) // the simulator's "cancels" number
	view := s.waitPayment(t, id, token, "failed")
	require.Equal(t, "pending", view["status"], "a cancelled prompt never confirms the order")
	require.Contains(t, strings.ToLower(str(dig(view, "payment", "failure_reason"))), "cancel")
	eventually(t, "order.payment_failed webhook", func() bool { return len(s.hook.ofType("order.payment_failed")) == 1 })

	r := c.do("POST", "/api/v1/storefront/duka/orders/"+id+"/payments", map[string]any{"phone": "0712 345 678"}, "X-Order-Token", token)
	require.Equal(t, 202, r.Status, "%s", r.Body)
	view = s.waitPayment(t, id, token, "succeeded")
	require.Equal(t, "paid", view["status"])

	m := s.merchantOrder(t, id)
	pays := m["payments"].([]any)
	require.Len(t, pays, 2)
	require.Equal(t, "failed", pays[0].(map[string]any)["status"])
	require.Equal(t, "1032", pays[0].(map[string]any)["result_code"])
	require.Equal(t, "succeeded", pays[1].(map[string]any)["status"])
	eventually(t, "order.paid webhook", func() bool { return len(s.hook.ofType("order.paid")) == 1 })
	require.Empty(t, s.hook.bad)
	eventually(t, "the confirmation goes to the phone that paid", func() bool {
		for _, n := range c.do("GET", "/api/v1/stores/duka/notifications", nil, s.auth...).json(t)["data"].([]any) {
			n := n.(map[string]any)
			if n["kind"] == "order_confirmation" && n["channel"] == "sms" {
				return n["recipient"] == "254712345678"
			}
		}
		return false
	})
}

func TestFailureReasonsForEachTestNumber(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{})
	c := client{t: t, base: stack.URL}
	s := setupShop(t, c, "maduka")
	for phone, want := range map[string]struct{ status, code, reason string }{
		"254700000001": {"failed", "1", "enough money"},
		"254700000003": {"failed", "2001", "pin"},
		"254708374149": {"timed_out", "1037", ""},
	} {
		id, token := s.order(t, phone, 1)
		view := s.waitPayment(t, id, token, want.status)
		require.Equal(t, "pending", view["status"], phone)
		require.Contains(t, strings.ToLower(str(dig(view, "payment", "failure_reason"))), want.reason, phone)
		pays := s.merchantOrder(t, id)["payments"].([]any)
		require.Equal(t, want.code, pays[0].(map[string]any)["result_code"], phone)
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{})
	c := client{t: t, base: stack.URL}
	s := setupShop(t, c, "safi")
	other := setupShop(t, c, "other")
	place := func(body any) reply { return c.do("POST", "/api/v1/storefront/safi/orders", body) }
	item := func(id string, q int) []map[string]any { return []map[string]any{{"product_id": id, "quantity": q}} }

	for name, tc := range map[string]struct {
		r      reply
		status int
		code   string
	}{
		"bad phone":         {place(map[string]any{"items": item(s.productID, 1), "phone": "020 123 4567"}), 400, "invalid_input"},
		"unknown product":   {place(map[string]any{"items": item("prd_nope", 1), "phone": "0712345678"}), 400, "invalid_input"},
		"other's product":   {place(map[string]any{"items": item(other.productID, 1), "phone": "0712345678"}), 400, "invalid_input"},
		"zero quantity":     {place(map[string]any{"items": item(s.productID, 0), "phone": "0712345678"}), 400, "invalid_input"},
		"negative":          {place(map[string]any{"items": item(s.productID, -2), "phone": "0712345678"}), 400, "invalid_input"},
		"out of stock":      {place(map[string]any{"items": item(s.productID, 6), "phone": "0712345678"}), 409, "out_of_stock"},
		"unparseable":       {place("{not json"), 400, "invalid_json"},
		"unknown field":     {place(map[string]any{"itemz": 1}), 400, "invalid_json"},
		"unknown store":     {c.do("GET", "/api/v1/storefront/nope/products", nil), 404, "not_found"},
		"another's store":   {c.do("GET", "/api/v1/stores/other/orders", nil, s.auth...), 404, "not_found"},
		"no token":          {c.do("GET", "/api/v1/stores/safi/orders", nil), 401, "unauthorized"},
		"duplicate email":   {c.do("POST", "/api/v1/signup", map[string]any{"email": "safi@example.com", "password": "12345678", "name": "X"}), 409, "email_taken"},
		"wrong password":    {c.do("POST", "/api/v1/login", map[string]any{"email": "safi@example.com", "password": "wrong-one"}), 401, "bad_credentials"},
		"slug taken":        {c.do("POST", "/api/v1/stores", map[string]any{"slug": "other", "name": "Mine"}, s.auth...), 409, "slug_taken"},
		"bad webhook url":   {c.do("POST", "/api/v1/stores/safi/webhooks", map[string]any{"url": "ftp://x", "events": []string{"order.paid"}}, s.auth...), 400, "invalid_input"},
		"bad webhook event": {c.do("POST", "/api/v1/stores/safi/webhooks", map[string]any{"url": "https://x.example", "events": []string{"order.eaten"}}, s.auth...), 400, "invalid_input"},
	} {
		require.Equal(t, tc.status, tc.r.Status, "%s: %s", name, tc.r.Body)
		require.Equal(t, tc.code, dig(tc.r.json(t), "error", "code"), name)
		require.NotEmpty(t, dig(tc.r.json(t), "error", "message"), name)
	}
	orders := c.do("GET", "/api/v1/stores/safi/orders", nil, s.auth...).json(t)["data"].([]any)
	require.Empty(t, orders, "no bad request created an order")
	products := c.do("GET", "/api/v1/storefront/safi/products", nil).json(t)["data"].([]any)
	require.EqualValues(t, 5, num(products[0].(map[string]any)["stock"]), "no bad request took stock")

	t.Run("OrdersAreOnlySeenWithTheirToken", func(t *testing.T) {
		id, token := s.order(t, "0712345678", 1)
		require.Equal(t, 404, c.do("GET", "/api/v1/storefront/safi/orders/"+id, nil, "X-Order-Token", "wrong").Status)
		require.Equal(t, 404, c.do("GET", "/api/v1/storefront/other/orders/"+id, nil, "X-Order-Token", token).Status)
		require.Equal(t, 404, c.do("GET", "/api/v1/stores/other/orders/"+id, nil, other.auth...).Status)
		s.waitPayment(t, id, token, "succeeded")
	})

	t.Run("ForgedCallbacksAreAcknowledgedAndIgnored", func(t *testing.T) {
		id, token := s.order(t, "254700000002", 1)
		s.waitPayment(t, id, token, "failed")
		pay := s.merchantOrder(t, id)["payments"].([]any)[0].(map[string]any)
		forged := fmt.Sprintf(`{"Body":{"stkCallback":{"MerchantRequestID":"1","CheckoutRequestID":%q,"ResultCode":0,"ResultDesc":"ok",
			"CallbackMetadata":{"Item":[{"Name":"Amount","Value":1500.00},{"Name":"MpesaReceiptNumber","Value":"FORGED0001"},{"Name":"PhoneNumber","Value":254700000002}]}}}}`,
			pay["checkout_request_id"])
		for _, body := range []string{forged, "not json at all", `{"Body":{}}`, ""} {
			tok := base64.RawURLEncoding.EncodeToString(sha256.New().Sum([]byte(body)))
			r := c.do("POST", "/callbacks/stk/"+tok, body)
			require.Equal(t, 200, r.Status, "callbacks are always acknowledged: %s", r.Body)
		}
		time.Sleep(500 * time.Millisecond) // let the worker process what it stored
		view := s.customerView(t, id, token)
		require.Equal(t, "pending", view["status"], "a forged success on a guessed URL pays nothing")
		require.Equal(t, "failed", dig(view, "payment", "status"))
	})
}

// readOrder records, in order, which of the order's own rows a request
// reads: its newest attempt or the order itself.
type readOrder struct {
	orderID string
	mu      sync.Mutex
	seen    []string
}

func (r *readOrder) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	q := e.Query
	switch {
	case strings.Contains(q, `FROM "payment_attempts"`) && strings.Contains(q, "(order_id = '"+r.orderID+"')"):
		r.add("attempt")
	case strings.Contains(q, `FROM "orders"`) && strings.Contains(q, "(id = '"+r.orderID+"')"):
		r.add("order")
	}
	return ctx
}

func (r *readOrder) AfterQuery(context.Context, *bun.QueryEvent) {}

func (r *readOrder) add(what string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, what)
}

func (r *readOrder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := r.seen
	r.seen = nil
	return seen
}

// The customer's views read the payment before the order: a settle
// changes both in one transaction, so a payment seen as succeeded always
// comes with its paid order (read the other way round, a poll between the
// two reads saw "succeeded" beside "pending", and the page offered a paid
// order a retry).
func TestCustomerViewsReadThePaymentFirst(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{})
	c := client{t: t, base: stack.URL}
	s := setupShop(t, c, "kiosk")
	id, token := s.order(t, "0712 345 678", 1)
	s.waitPayment(t, id, token, "succeeded")
	reads := &readOrder{orderID: id}
	stack.App.DB.AddQueryHook(reads)

	for _, path := range []string{"/s/kiosk/orders/" + id + "?t=" + token, "/s/kiosk/orders/" + id + "/status?t=" + token} {
		require.Equal(t, 200, c.do("GET", path, nil).Status, path)
		require.Equal(t, []string{"attempt", "order"}, reads.take(), path)
	}
	require.Equal(t, "paid", s.customerView(t, id, token)["status"])
	require.Equal(t, []string{"attempt", "order"}, reads.take(), "the API's order view")
}
