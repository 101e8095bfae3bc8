package loadtest

import (
	"context"
	"fmt"
	"time"
)

// PhaseResult is what one phase measured.
type PhaseResult struct {
	Name        string  `json:"name"`
	Stores      int     `json:"stores"`
	Mode        string  `json:"mode"`
	Rate        float64 `json:"target_rate,omitempty"`
	HotRate     float64 `json:"hot_rate,omitempty"`
	Concurrency int     `json:"concurrency,omitempty"`
	DurationS   float64 `json:"duration_s"`
	Created     int     `json:"orders_created"`
	CreatedPerS float64 `json:"orders_created_per_s"`
	// PaidPerS counts paid orders whose order.paid webhook arrived while
	// the load ran; DrainS is how long after the last arrival everything
	// was settled and delivered.
	PaidPerS float64 `json:"paid_delivered_per_s"`
	DrainS   float64 `json:"drain_s"`
	// Latency has checkout, checkout_hot (the hot store's), callback_ack,
	// callback_to_paid, paid_to_webhook and checkout_to_seen_paid; and,
	// splitting paid_to_webhook by the database's timestamps,
	// event_to_relayed (outbox to delivery row) and relayed_to_delivered.
	Latency map[string]Summary `json:"latency"`
	Errors  map[string]int     `json:"errors"`
	Dropped int                `json:"client_dropped"`
	Check   Check              `json:"check"`
	RSS     RSS                `json:"rss"`
	// BacklogAtStart is what the previous phase left unfinished after the
	// wait for it (zero unless that phase overloaded the stack).
	BacklogAtStart Backlog `json:"backlog_at_start"`
}

func (h *harness) results(ctx context.Context, r *phaseRun, drainedAt time.Time) (*PhaseResult, error) {
	states, err := h.orderStates(ctx, r.start.Add(-time.Millisecond))
	if err != nil {
		return nil, err
	}
	check, err := h.check(ctx, r, states)
	if err != nil {
		return nil, err
	}
	cbs, err := h.paidCallbacks(ctx, r.start.Add(-time.Millisecond))
	if err != nil {
		return nil, err
	}
	relayed, delivered, err := h.deliveryLags(ctx, r.start.Add(-time.Millisecond))
	if err != nil {
		return nil, err
	}
	var toPaid, toHook []time.Duration
	inWindow := 0
	r.mu.Lock()
	for id := range r.orders {
		s := states[id]
		if s.OrderStatus != "paid" {
			continue
		}
		if at, ok := cbs[s.AttemptID]; ok {
			toPaid = append(toPaid, s.PaidAt.Sub(at))
		}
		if at, ok := h.hooks.orderEvent("order.paid", id); ok {
			toHook = append(toHook, at.Sub(s.PaidAt))
			if !at.After(r.end) {
				inWindow++
			}
		}
	}
	r.mu.Unlock()
	d := r.end.Sub(r.start).Seconds()
	spec := r.spec
	res := &PhaseResult{Name: spec.Name, Stores: len(spec.Shops), Mode: "open", Rate: spec.Rate, HotRate: spec.HotRate,
		Concurrency: spec.Concurrency, DurationS: d, Created: check.Orders, CreatedPerS: float64(check.Orders) / d,
		PaidPerS: float64(inWindow) / d, DrainS: drainedAt.Sub(r.end).Seconds(), Errors: r.errs.snapshot(),
		Dropped: r.dropped, Check: check, Latency: map[string]Summary{
			"checkout":              r.checkout.summary(),
			"callback_ack":          r.callbackAck.summary(),
			"callback_to_paid":      summarize(toPaid),
			"paid_to_webhook":       summarize(toHook),
			"checkout_to_seen_paid": r.seenPaid.summary(),
			"event_to_relayed":      summarize(relayed),
			"relayed_to_delivered":  summarize(delivered),
		}}
	if spec.Concurrency > 0 {
		res.Mode = fmt.Sprintf("closed(%d)", spec.Concurrency)
	}
	if spec.Hot != nil {
		res.Stores++
		res.Latency["checkout_hot"] = r.checkoutHot.summary()
	}
	return res, nil
}

type paidCallback struct {
	AttemptID  string
	ReceivedAt time.Time
}

// paidCallbacks maps each attempt that a callback paid to when that
// callback was received.
func (h *harness) paidCallbacks(ctx context.Context, since time.Time) (map[string]time.Time, error) {
	var rows []paidCallback
	err := h.t.DB.NewRaw(`SELECT attempt_id, received_at FROM callbacks WHERE outcome = 'paid' AND received_at >= ?`,
		since.UTC()).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("loadtest: read callbacks: %w", err)
	}
	m := make(map[string]time.Time, len(rows))
	for _, c := range rows {
		m[c.AttemptID] = c.ReceivedAt
	}
	return m, nil
}

type deliveryLag struct {
	CreatedAt, RelayedAt, DeliveredAt time.Time
}

// deliveryLags splits the order.paid events' way to the receiver: from
// commit to the relay making the delivery, and from there to delivered.
func (h *harness) deliveryLags(ctx context.Context, since time.Time) (relayed, delivered []time.Duration, err error) {
	var rows []deliveryLag
	err = h.t.DB.NewRaw(`SELECT e.created_at, e.relayed_at, d.delivered_at FROM events AS e
		JOIN webhook_deliveries AS d ON d.event_id = e.id
		WHERE e.type = 'order.paid' AND e.created_at >= ? AND d.delivered_at IS NOT NULL`, since.UTC()).Scan(ctx, &rows)
	if err != nil {
		return nil, nil, fmt.Errorf("loadtest: read deliveries: %w", err)
	}
	for _, l := range rows {
		relayed = append(relayed, l.RelayedAt.Sub(l.CreatedAt))
		delivered = append(delivered, l.DeliveredAt.Sub(l.RelayedAt))
	}
	return relayed, delivered, nil
}
