package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/devstack"
	"github.com/sokohub/sokohub/internal/devstack/stacktest"
)

// lateSuccess posts the success callback Daraja would send if the
// customer's money moved after all, to the attempt's real callback URL.
func lateSuccess(t *testing.T, c client, stack *devstack.Stack, pay map[string]any, receipt string) {
	t.Helper()
	body := fmt.Sprintf(`{"Body":{"stkCallback":{"MerchantRequestID":"1-2-3","CheckoutRequestID":%q,"ResultCode":0,
		"ResultDesc":"The service request is processed successfully.","CallbackMetadata":{"Item":[{"Name":"Amount","Value":%d.00},
		{"Name":"MpesaReceiptNumber","Value":%q},{"Name":"TransactionDate","Value":20261203101010},{"Name":"PhoneNumber","Value":%s}]}}}}`,
		pay["checkout_request_id"], num(pay["amount"])/100, receipt, pay["phone"])
	url := stack.App.Payments.CallbackURL(str(pay["id"]))
	r := client{t: t, base: ""}.do("POST", url, body)
	require.Equal(t, 200, r.Status, "%s", r.Body)
}

func firstPayment(t *testing.T, s *shop, id string) map[string]any {
	t.Helper()
	return s.merchantOrder(t, id)["payments"].([]any)[0].(map[string]any)
}

// stock is what the storefront says is left of the shop's product.
func stock(t *testing.T, s *shop) int64 {
	t.Helper()
	for _, p := range s.c.do("GET", "/api/v1/storefront/"+s.slug+"/products", nil).json(t)["data"].([]any) {
		if p.(map[string]any)["id"] == s.productID {
			return num(p.(map[string]any)["stock"])
		}
	}
	t.Fatalf("product %s not listed", s.productID)
	return 0
}

func TestIdempotencyKey(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{})
	c := client{t: t, base: stack.URL}
	s := setupShop(t, c, "idem")
	body := map[string]any{"items": []map[string]any{{"product_id": s.productID, "quantity": 1}}, "phone": "0712345678"}

	first := c.do("POST", "/api/v1/storefront/idem/orders", body, "Idempotency-Key", "k-1")
	require.Equal(t, 201, first.Status, "%s", first.Body)
	again := c.do("POST", "/api/v1/storefront/idem/orders", body, "Idempotency-Key", "k-1")
	require.Equal(t, 201, again.Status)
	require.Equal(t, first.json(t)["id"], again.json(t)["id"], "same key, same body: same order")

	other := map[string]any{"items": []map[string]any{{"product_id": s.productID, "quantity": 2}}, "phone": "0712345678"}
	r := c.do("POST", "/api/v1/storefront/idem/orders", other, "Idempotency-Key", "k-1")
	require.Equal(t, 422, r.Status, "%s", r.Body)
	require.Equal(t, "idempotency_mismatch", dig(r.json(t), "error", "code"))

	orders := c.do("GET", "/api/v1/stores/idem/orders", nil, s.auth...).json(t)["data"].([]any)
	require.Len(t, orders, 1, "the repeats created nothing")

	// Without the order token a retry's key can be neither replayed nor
	// poisoned.
	id, token := str(first.json(t)["id"]), str(first.json(t)["token"])
	s.waitPayment(t, id, token, "succeeded")
	r = c.do("POST", "/api/v1/storefront/idem/orders/"+id+"/payments", map[string]any{}, "Idempotency-Key", "k-2")
	require.Equal(t, 404, r.Status, "%s", r.Body)
	r = c.do("POST", "/api/v1/storefront/idem/orders/"+id+"/payments", map[string]any{}, "Idempotency-Key", "k-2", "X-Order-Token", token)
	require.Equal(t, 409, r.Status, "the customer gets the real answer (already paid), not a stored 404: %s", r.Body)
	require.EqualValues(t, 4, stock(t, s), "stock taken once")
}

func TestExpiryAndLatePayments(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{})
	c := client{t: t, base: stack.URL}
	s := setupShop(t, c, "late")
	ctx := context.Background()
	expireNow := func(id string) {
		_, err := stack.App.DB.ExecContext(ctx, "UPDATE orders SET expires_at = ? WHERE id = ?", "2000-01-01 00:00:00+00:00", id)
		require.NoError(t, err)
		_, err = stack.App.Checkout.ExpireDue(ctx)
		require.NoError(t, err)
	}

	t.Run("ALiveAttemptBlocksExpiry", func(t *testing.T) {
		// 254700000007 waits for an answer on the virtual phone: the
		// prompt stays live.
		id, token := s.order(t, "254700000007", 1)
		s.waitPayment(t, id, token, "prompted")
		expireNow(id)
		require.Equal(t, "pending", s.customerView(t, id, token)["status"])
	})

	t.Run("ExpiryReleasesStockAndALateSuccessRevives", func(t *testing.T) {
		before := stock(t, s)
		id, token := s.order(t, "254700000002", 2)
		s.waitPayment(t, id, token, "failed")
		require.Equal(t, before-2, stock(t, s))
		expireNow(id)
		require.Equal(t, "expired", s.customerView(t, id, token)["status"])
		require.Equal(t, before, stock(t, s), "expiry puts the stock back")

		lateSuccess(t, c, stack, firstPayment(t, s, id), "LATE000001")
		view := s.waitPayment(t, id, token, "succeeded")
		require.Equal(t, "paid", view["status"], "money that moved pays the order, even after expiry")
		require.Equal(t, before-2, stock(t, s), "the revived order takes its stock again")
		require.Empty(t, s.merchantOrder(t, id)["attention"])
	})

	t.Run("RevivedWithoutStockIsFlagged", func(t *testing.T) {
		id, token := s.order(t, "254700000001", 1)
		s.waitPayment(t, id, token, "failed")
		expireNow(id)
		left := stock(t, s)
		grab, gtok := s.order(t, "0712345678", int(left)) // someone buys what is left
		s.waitPayment(t, grab, gtok, "succeeded")
		lateSuccess(t, c, stack, firstPayment(t, s, id), "LATE000002")
		s.waitPayment(t, id, token, "succeeded")
		m := s.merchantOrder(t, id)
		require.Equal(t, "paid", m["status"])
		require.Equal(t, "paid_after_expiry_without_stock", m["attention"])
		require.EqualValues(t, 0, stock(t, s), "stock never goes negative")
	})
}

func TestDoublePaymentBecomesAnIssueTheMerchantResolves(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{})
	c := client{t: t, base: stack.URL}
	s := setupShop(t, c, "twice")

	id, token := s.order(t, "254700000002", 1)
	s.waitPayment(t, id, token, "failed")
	r := c.do("POST", "/api/v1/storefront/twice/orders/"+id+"/payments", map[string]any{"phone": "0712345678"}, "X-Order-Token", token)
	require.Equal(t, 202, r.Status, "%s", r.Body)
	s.waitPayment(t, id, token, "succeeded")
	// The first prompt's money arrives too: the customer paid twice.
	lateSuccess(t, c, stack, firstPayment(t, s, id), "TWICE00001")

	var issues []any
	eventually(t, "an overpayment issue", func() bool {
		issues = c.do("GET", "/api/v1/stores/twice/payment-issues?status=open", nil, s.auth...).json(t)["data"].([]any)
		return len(issues) == 1
	})
	is := issues[0].(map[string]any)
	require.Equal(t, "overpaid", is["kind"])
	require.Equal(t, "TWICE00001", is["receipt"])
	require.Equal(t, "paid", s.customerView(t, id, token)["status"])
	eventually(t, "one order.paid only", func() bool { return len(s.hook.ofType("order.paid")) == 1 })

	r = c.do("POST", "/api/v1/stores/twice/payment-issues/"+str(is["id"])+"/resolve", map[string]any{"action": "refund"}, s.auth...)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	require.Equal(t, "resolved", r.json(t)["status"])
	r = c.do("POST", "/api/v1/stores/twice/payment-issues/"+str(is["id"])+"/resolve", map[string]any{"action": "refund"}, s.auth...)
	require.Equal(t, 409, r.Status, "resolving twice is refused: %s", r.Body)
}
