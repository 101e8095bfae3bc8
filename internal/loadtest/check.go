package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/sokohub/sokohub/internal/mpesa/simulator"
)

// drainTimeout bounds the wait, after the last arrival, for every order to
// settle and every webhook to arrive; what is still open then is reported
// as lost.
const drainTimeout = 60 * time.Second

// orderState is an order and its payment attempt as the database has them.
type orderState struct {
	OrderID           string
	StoreID           string
	OrderStatus       string
	PaidAt            time.Time
	AttemptID         string
	AttemptStatus     string
	CheckoutRequestID string
	Receipt           string
}

func (h *harness) orderStates(ctx context.Context, since time.Time) (map[string]orderState, error) {
	var rows []orderState
	err := h.t.DB.NewRaw(`SELECT o.id AS order_id, o.store_id, o.status AS order_status, o.paid_at,
		a.id AS attempt_id, a.status AS attempt_status, a.checkout_request_id, a.receipt
		FROM orders AS o JOIN payment_attempts AS a ON a.order_id = o.id WHERE o.created_at >= ?`, since.UTC()).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("loadtest: read orders: %w", err)
	}
	m := make(map[string]orderState, len(rows))
	for _, s := range rows {
		m[s.OrderID] = s
	}
	return m, nil
}

// settled tells whether the attempt has its final answer.
func (s orderState) settled() bool {
	return s.AttemptStatus != "queued" && s.AttemptStatus != "prompted"
}

// webhookType is the event a settled order's webhook carries ("" for none).
func (s orderState) webhookType() string {
	switch {
	case s.OrderStatus == "paid":
		return "order.paid"
	case s.settled():
		return "order.payment_failed"
	}
	return ""
}

// drain waits until every order of the phase is settled and its webhook
// has arrived, and returns when that was.
func (h *harness) drain(ctx context.Context, r *phaseRun) (time.Time, error) {
	deadline := time.Now().Add(drainTimeout)
	for {
		states, err := h.orderStates(ctx, r.start.Add(-time.Millisecond))
		if err != nil {
			return time.Time{}, err
		}
		open := 0
		r.mu.Lock()
		for id := range r.orders {
			s, ok := states[id]
			if !ok || !s.settled() {
				open++
				continue
			}
			if _, ok := h.hooks.orderEvent(s.webhookType(), id); !ok {
				open++
			}
		}
		r.mu.Unlock()
		if open == 0 {
			b, err := h.backlog(ctx)
			if err != nil {
				return time.Time{}, err
			}
			if b.idle() {
				return time.Now(), nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return time.Now(), ctx.Err()
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// Backlog is the stack's unfinished work: callbacks not processed, events
// not relayed, webhook deliveries and notifications not sent yet.
type Backlog struct {
	Callbacks     int `json:"callbacks"`
	Events        int `json:"events"`
	Deliveries    int `json:"deliveries"`
	Notifications int `json:"notifications"`
}

func (b Backlog) idle() bool { return b == Backlog{} }

func (h *harness) backlog(ctx context.Context) (Backlog, error) {
	var b Backlog
	err := h.t.DB.NewRaw(`SELECT
		(SELECT COUNT(*) FROM callbacks WHERE processed_at IS NULL) AS callbacks,
		(SELECT COUNT(*) FROM events WHERE relayed_at IS NULL) AS events,
		(SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending') AS deliveries,
		(SELECT COUNT(*) FROM notifications WHERE status = 'pending') AS notifications`).Scan(ctx, &b)
	return b, err
}

// quiesceTimeout bounds the wait, before a phase, for the previous one's
// backlog to clear, so phases do not measure each other's leftovers.
const quiesceTimeout = 3 * time.Minute

// quiesce waits until the stack has no backlog (or quiesceTimeout passed)
// and returns what was left.
func (h *harness) quiesce(ctx context.Context) (Backlog, error) {
	deadline := time.Now().Add(quiesceTimeout)
	for {
		b, err := h.backlog(ctx)
		if err != nil || b.idle() || time.Now().After(deadline) || ctx.Err() != nil {
			return b, errors.Join(err, ctx.Err())
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// Check is the end check: every order the harness placed is in the state
// the simulator says its payment reached, with its webhook delivered.
type Check struct {
	OK       bool `json:"ok"`
	Orders   int  `json:"orders"`
	Paid     int  `json:"paid"`
	Failed   int  `json:"failed"`
	TimedOut int  `json:"timed_out"`
	// Rejected pushes never reached the simulator; BusyPhone of them were
	// refused because another customer of the mix had a prompt live on the
	// same test number (the simulator's "Unable to lock subscriber").
	Rejected  int `json:"rejected"`
	BusyPhone int `json:"busy_phone"`
	// Lost counts everything wrong: orders missing or unsettled, states
	// that differ from the simulator's, missing webhooks.
	Lost       int `json:"lost"`
	Unsettled  int `json:"unsettled"`
	Mismatched int `json:"mismatched"`
	NoWebhook  int `json:"missing_webhooks"`
	// Unanswered orders exist in the database although their checkout
	// request failed on the client side (a timeout): not lost, but the
	// customer did not learn of them.
	Unanswered    int      `json:"unanswered"`
	BadSignatures int      `json:"bad_signatures"`
	Duplicates    int      `json:"duplicate_deliveries"`
	Problems      []string `json:"problems,omitempty"`
}

func (c *Check) problem(format string, args ...any) {
	c.Lost++
	if len(c.Problems) < 10 {
		c.Problems = append(c.Problems, fmt.Sprintf(format, args...))
	}
}

// check compares the harness's orders, the database and the simulator.
func (h *harness) check(ctx context.Context, r *phaseRun, states map[string]orderState) (Check, error) {
	txs, err := h.t.Ledger(ctx)
	if err != nil {
		return Check{}, err
	}
	sim := make(map[string]simulator.Transaction, len(txs))
	for _, tx := range txs {
		sim[tx.CheckoutRequestID] = tx
	}
	var c Check
	r.mu.Lock()
	defer r.mu.Unlock()
	c.Orders = len(r.orders)
	for id, p := range r.orders {
		s, ok := states[id]
		if !ok {
			c.problem("order %s answered 201 but is not in the database", id)
			continue
		}
		if !s.settled() {
			c.Unsettled++
			c.problem("order %s: attempt still %s after the drain", id, s.AttemptStatus)
			continue
		}
		h.checkAgainstSimulator(&c, id, p, s, sim)
		if _, ok := h.hooks.orderEvent(s.webhookType(), id); !ok {
			c.NoWebhook++
			c.problem("order %s (%s): no %s webhook arrived", id, s.OrderStatus, s.webhookType())
		}
	}
	for id, s := range states {
		if _, ours := r.orders[id]; !ours && s.StoreID != "" {
			c.Unanswered++
		}
	}
	c.BadSignatures, c.Duplicates = h.hooks.faults()
	c.OK = c.Lost == 0 && c.BadSignatures == 0
	return c, nil
}

func (h *harness) checkAgainstSimulator(c *Check, id string, p *placed, s orderState, sim map[string]simulator.Transaction) {
	if s.CheckoutRequestID == "" {
		if s.AttemptStatus != "rejected" {
			c.Mismatched++
			c.problem("order %s: attempt %s without a CheckoutRequestID", id, s.AttemptStatus)
			return
		}
		c.Rejected++
		if p.kind != KindPaid {
			c.BusyPhone++
		} else {
			c.problem("order %s: a fresh phone's push was refused", id)
		}
		return
	}
	tx, ok := sim[s.CheckoutRequestID]
	if !ok {
		c.Mismatched++
		c.problem("order %s: the simulator has no transaction %s", id, s.CheckoutRequestID)
		return
	}
	want := map[simulator.State][2]string{
		simulator.StateSucceeded: {"succeeded", "paid"},
		simulator.StateFailed:    {"failed", "pending"},
		simulator.StateTimedOut:  {"timed_out", "pending"},
	}[tx.State]
	if s.AttemptStatus != want[0] || s.OrderStatus != want[1] || (tx.State == simulator.StateSucceeded && s.Receipt != tx.Receipt) {
		c.Mismatched++
		c.problem("order %s: simulator %s %s, database attempt %s order %s receipt %q", id, tx.State, tx.Receipt,
			s.AttemptStatus, s.OrderStatus, s.Receipt)
		return
	}
	switch tx.State {
	case simulator.StateSucceeded:
		c.Paid++
	case simulator.StateFailed:
		c.Failed++
	case simulator.StateTimedOut:
		c.TimedOut++
	}
}

// httpLedger reads the simulator's transactions from its control API.
func httpLedger(base string) func(context.Context) ([]simulator.Transaction, error) {
	return func(ctx context.Context) ([]simulator.Transaction, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/daraja/simulator/v1/transactions", nil)
		if err != nil {
			return nil, err
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		var out struct {
			Data []simulator.Transaction `json:"data"`
		}
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
			return nil, fmt.Errorf("loadtest: simulator transactions: %w", err)
		}
		return out.Data, nil
	}
}
