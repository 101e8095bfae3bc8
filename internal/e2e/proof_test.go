package e2e

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/devstack/stacktest"
	"github.com/sokohub/sokohub/internal/mpesa/simulator"
)

var (
	proofOrders = flag.Int("proof.orders", 120, "orders the randomised payment proof drives (CI runs the default; 1000 runs in about 20 s)")
	proofSeed   = flag.Uint64("proof.seed", 20261203, "seed of the randomised payment proof")
)

// phones of the customer mix: every outcome the simulator can play.
var proofPhones = []string{
	"0712345678", "0722000111", "0110000222", // approve
	simulator.PhoneInsufficientFunds, simulator.PhoneCancels, simulator.PhoneWrongPIN, simulator.PhoneNoAnswer,
	simulator.PhoneNoCallback, simulator.PhoneDuplicateCallback, simulator.PhoneLocked,
	simulator.PhoneLegacyCallback, simulator.PhoneOperatorError,
}

// TestPaymentProof drives many orders across several stores through the
// simulator with mixed outcomes, customer retries, double payments and
// forged callbacks, then checks every order against the simulator's own
// record of what each phone did: money that moved paid its order exactly
// once, nothing was paid without money, receipts are unique, forgeries
// changed nothing, and stock adds up.
func TestPaymentProof(t *testing.T) {
	// A dozen test numbers take thousands of prompts here: the phone and
	// store rate limits (tested in ratelimit_test.go) would refuse them.
	stack := stacktest.Start(t, stacktest.Options{Env: map[string]string{"SOKOHUB_QUERY_DELAY": "1s",
		"SOKOHUB_PHONE_PROMPT_LIMITS": "off", "SOKOHUB_STORE_DARAJA_LIMITS": "off", "SOKOHUB_CLIENT_LIMITS": "off"}})
	c := client{t: t, base: stack.URL}
	t.Logf("seed %d, %d orders (go test -run TestPaymentProof ./internal/e2e -proof.seed=N -proof.orders=N)", *proofSeed, *proofOrders)
	shops := []*shop{setupShop(t, c, "proof-a"), setupShop(t, c, "proof-b"), setupShop(t, c, "proof-c")}
	for _, s := range shops {
		r := c.do("POST", "/api/v1/stores/"+s.slug+"/products", map[string]any{"name": "Chapati", "price": 5000, "stock": 100000}, s.auth...)
		require.Equal(t, 201, r.Status, "%s", r.Body)
		s.productID = str(r.json(t)["id"])
	}

	type placed struct {
		s         *shop
		id, token string
		qty       int
	}
	var (
		mu     sync.Mutex
		all    []placed
		forged []string // receipts we forged: must never pay anything
	)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range jobs {
				rng := rand.New(rand.NewPCG(*proofSeed, uint64(n)))
				s := shops[rng.IntN(len(shops))]
				qty := 1 + rng.IntN(3)
				r := c.do("POST", "/api/v1/storefront/"+s.slug+"/orders", map[string]any{
					"items": []map[string]any{{"product_id": s.productID, "quantity": qty}},
					"phone": proofPhones[rng.IntN(len(proofPhones))]})
				if r.Status != 201 {
					t.Errorf("order %d: %d %s", n, r.Status, r.Body)
					continue
				}
				o := r.json(t)
				p := placed{s: s, id: str(o["id"]), token: str(o["token"]), qty: qty}
				mu.Lock()
				all = append(all, p)
				mu.Unlock()
				if rng.IntN(4) == 0 { // a forged callback to a guessed URL
					receipt := fmt.Sprintf("FORGE%05d", n)
					c.do("POST", "/callbacks/stk/guess"+receipt, fmt.Sprintf(
						`{"Body":{"stkCallback":{"CheckoutRequestID":"ws_CO_x","ResultCode":0,"CallbackMetadata":{"Item":[{"Name":"MpesaReceiptNumber","Value":%q},{"Name":"Amount","Value":50}]}}}}`, receipt))
					mu.Lock()
					forged = append(forged, receipt)
					mu.Unlock()
				}
			}
		}()
	}
	for n := 0; n < *proofOrders; n++ {
		jobs <- n
	}
	close(jobs)
	wg.Wait()

	settled := func() bool {
		var live int
		err := stack.App.DB.NewSelect().TableExpr("payment_attempts").ColumnExpr("count(*)").
			Where("status IN ('queued','prompted')").Scan(context.Background(), &live)
		require.NoError(t, err)
		var unprocessed int
		err = stack.App.DB.NewSelect().TableExpr("callbacks").ColumnExpr("count(*)").Where("processed_at IS NULL").
			Scan(context.Background(), &unprocessed)
		require.NoError(t, err)
		return live == 0 && unprocessed == 0
	}
	eventually(t, "every attempt settled", settled)

	// Customers whose payment failed retry once with a phone that approves.
	rng := rand.New(rand.NewPCG(*proofSeed, 1<<40))
	for _, p := range all {
		if view := p.s.customerView(t, p.id, p.token); view["status"] == "pending" && rng.IntN(2) == 0 {
			r := c.do("POST", "/api/v1/storefront/"+p.s.slug+"/orders/"+p.id+"/payments", map[string]any{"phone": "0799000111"},
				"X-Order-Token", p.token)
			require.Contains(t, []int{202, 409}, r.Status, "%s", r.Body)
		}
	}
	eventually(t, "retries settled", settled)

	// Some customers paid twice: the first (failed) prompt's money arrives
	// late. We play Daraja here, so the test keeps its own ledger of it.
	extra := map[string]bool{} // checkout request ids whose money moved outside the simulator
	for i, p := range all {
		pays := p.s.merchantOrder(t, p.id)["payments"].([]any)
		first := pays[0].(map[string]any)
		if len(pays) > 1 && first["status"] == "failed" && first["checkout_request_id"] != nil && i%3 == 0 {
			lateSuccess(t, c, stack, first, fmt.Sprintf("TWICE%05d", i))
			extra[str(first["checkout_request_id"])] = true
		}
	}
	eventually(t, "late payments settled", settled)

	moved := map[string]bool{} // checkout request id → money moved (the simulator's record)
	for _, tx := range stack.Simulator.Transactions() {
		if tx.State == simulator.StateSucceeded {
			moved[tx.CheckoutRequestID] = true
		}
	}
	for id := range extra {
		moved[id] = true
	}

	receipts := map[string]string{}
	var wantStock = map[*shop]int64{}
	for _, s := range shops {
		wantStock[s] = 100000
	}
	for _, p := range all {
		m := p.s.merchantOrder(t, p.id)
		successes := 0
		for _, raw := range m["payments"].([]any) {
			a := raw.(map[string]any)
			cid := str(a["checkout_request_id"])
			if a["status"] == "succeeded" {
				require.True(t, moved[cid], "order %s: attempt %s succeeded without money moving", p.id, a["id"])
				successes++
				if rc := str(a["receipt"]); rc != "" {
					require.NotContains(t, receipts, rc, "receipt %s used twice", rc)
					receipts[rc] = p.id
				}
			} else {
				require.False(t, moved[cid], "order %s: money moved for attempt %s but it is %s", p.id, a["id"], a["status"])
			}
		}
		if successes > 0 {
			require.Equal(t, "paid", m["status"], "order %s: money moved, so it is paid", p.id)
		} else {
			require.NotEqual(t, "paid", m["status"], "order %s: paid without money", p.id)
		}
		if m["status"] != "expired" {
			wantStock[p.s] -= int64(p.qty)
		}
		if successes > 1 {
			issues := c.do("GET", "/api/v1/stores/"+p.s.slug+"/payment-issues", nil, p.s.auth...).json(t)["data"].([]any)
			found := 0
			for _, is := range issues {
				if is.(map[string]any)["order_id"] == p.id && is.(map[string]any)["kind"] == "overpaid" {
					found++
				}
			}
			require.Equal(t, successes-1, found, "order %s: every extra payment is an overpayment issue", p.id)
		}
	}
	for _, rc := range forged {
		require.NotContains(t, receipts, rc, "a forged callback paid something")
	}
	for _, s := range shops {
		require.Equal(t, wantStock[s], stock(t, s), "stock adds up in %s", s.slug)
	}
	t.Logf("%d orders, %d receipts, %d double payments, %d forgeries", len(all), len(receipts), len(extra), len(forged))
}
