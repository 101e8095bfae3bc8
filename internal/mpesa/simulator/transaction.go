package simulator

import (
	"encoding/json"
	"slices"
	"time"
)

// State is where a simulated STK transaction stands.
type State string

// Transaction states.
const (
	// StatePending: the prompt is live on the phone; queries say pending.
	StatePending State = "pending"
	// StateSucceeded: paid (ResultCode 0) with a receipt.
	StateSucceeded State = "succeeded"
	// StateFailed: any other terminal ResultCode.
	StateFailed State = "failed"
	// StateTimedOut: ResultCode 1037, the customer could not be reached.
	StateTimedOut State = "timed_out"
)

// Transaction is a snapshot of one accepted STK push.
type Transaction struct {
	CheckoutRequestID string `json:"checkout_request_id"`
	MerchantRequestID string `json:"merchant_request_id"`
	// Request is the push body exactly as received (numbers are json.Number).
	Request map[string]any `json:"request"`
	State   State          `json:"state"`
	// ResultCode and ResultDesc are empty while pending.
	ResultCode string `json:"result_code"`
	ResultDesc string `json:"result_desc"`
	// Receipt is the M-Pesa receipt number of a success.
	Receipt          string    `json:"receipt"`
	Phone            string    `json:"phone"`
	Amount           int64     `json:"amount"`
	ShortCode        string    `json:"shortcode"`
	AccountReference string    `json:"account_reference"`
	MerchantName     string    `json:"merchant_name"`
	CallBackURL      string    `json:"callback_url"`
	CreatedAt        time.Time `json:"created_at"`
	ResolvedAt       time.Time `json:"resolved_at,omitzero"`
	// Callbacks lists every callback POST attempted, oldest first.
	Callbacks []CallbackAttempt `json:"callbacks"`
	// Behaviour is how the number was played when the push was accepted,
	// defaults filled in.
	Behaviour Behaviour `json:"behaviour"`
	// Chaos is what the chaos knobs did to this transaction.
	Chaos TransactionChaos `json:"chaos"`
}

// CallbackAttempt is one callback POST (callbacks are never retried).
type CallbackAttempt struct {
	At time.Time `json:"at"`
	// StatusCode is the receiver's HTTP status, 0 when there was no answer.
	StatusCode int `json:"status_code"`
	// Error says why there was no answer, including a refused host.
	Error string `json:"error"`
	// Body is the JSON that was (or would have been) sent.
	Body json.RawMessage `json:"body,omitempty"`
}

// record is the simulator's mutable state for one transaction, guarded by
// Simulator.mu.
type record struct {
	Transaction
	fate      callbackFate // drawn from Chaos at accept
	mismatch  bool         // TransactionType or PartyB does not fit the shortcode: 2028
	queries   int          // pending queries answered, to rotate the pending shapes
	autoTimer *time.Timer
	lateTimer *time.Timer
}

func (r *record) stopTimers() {
	for _, t := range []*time.Timer{r.autoTimer, r.lateTimer} {
		if t != nil {
			t.Stop()
		}
	}
}

// snapshot returns a copy that shares nothing mutable with r.
func (r *record) snapshot() Transaction {
	t := r.Transaction
	t.Behaviour = r.Behaviour.clone()
	t.Request, _ = cloneJSON(r.Request).(map[string]any)
	t.Callbacks = slices.Clone(r.Callbacks)
	if t.Callbacks == nil {
		t.Callbacks = []CallbackAttempt{}
	}
	return t
}

// cloneJSON deep-copies a decoded JSON value.
func cloneJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = cloneJSON(e)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = cloneJSON(e)
		}
		return s
	default:
		return v
	}
}

// Transaction returns the transaction with that CheckoutRequestID.
func (s *Simulator) Transaction(checkoutRequestID string) (Transaction, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.txs[checkoutRequestID]
	if !ok {
		return Transaction{}, false
	}
	return r.snapshot(), true
}

// Transactions returns every transaction, newest first.
func (s *Simulator) Transactions() []Transaction {
	return s.transactions("", 0)
}

// transactions returns the transactions of phone (all when ""), newest
// first, at most limit of them (all when 0).
func (s *Simulator) transactions(phone string, limit int) []Transaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Transaction{}
	for _, r := range slices.Backward(s.order) {
		if phone != "" && r.Phone != phone {
			continue
		}
		out = append(out, r.snapshot())
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out
}
