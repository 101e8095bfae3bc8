package loadtest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/outbox"
)

// WebhookResult is webhook delivery alone: events committed straight into
// the outbox, as checkout and settling write them, then relayed, signed and
// delivered by the worker to the receiver.
type WebhookResult struct {
	Stores int `json:"stores"`
	// Burst events are committed in one transaction; BurstPerS is how many
	// a second reached the receiver, from that commit to the last arrival.
	Burst        int     `json:"burst_events"`
	BurstPerS    float64 `json:"burst_delivered_per_s"`
	BurstLatency Summary `json:"burst_committed_to_received"`
	BurstMissing int     `json:"burst_missing"`
	// Steady events are committed one per transaction at SteadyRate.
	SteadyRate    float64 `json:"steady_rate"`
	SteadyLatency Summary `json:"steady_committed_to_received"`
	SteadyMissing int     `json:"steady_missing"`
	RSS           RSS     `json:"rss"`
}

// webhookStores is how many stores the delivery phases spread events over:
// each has one endpoint, and the worker bounds deliveries in flight per
// endpoint.
const webhookStores = 100

func (h *harness) webhookPhases(ctx context.Context) (*WebhookResult, error) {
	shops, err := h.seeder.seed(ctx, webhookStores, "hook", []string{outbox.OrderCreated})
	if err != nil {
		return nil, err
	}
	if _, err := h.quiesce(ctx); err != nil {
		return nil, err
	}
	res := &WebhookResult{Stores: len(shops), Burst: h.o.WebhookBurst, SteadyRate: h.o.WebhookRate}
	stopRSS := h.rss.watch(false)
	defer func() { res.RSS = stopRSS() }()

	h.log.Info("phase", "name", "webhooks-burst", "events", h.o.WebhookBurst)
	stopProfile := h.profile(ctx, "webhooks-", 5*time.Second)
	var ids []string
	err = db.RunInTx(ctx, h.t.DB, func(ctx context.Context, tx bun.IDB) error {
		ids = ids[:0]
		for i := range h.o.WebhookBurst {
			e, err := recordEvent(ctx, tx, shops[i%len(shops)], i)
			if err != nil {
				return err
			}
			ids = append(ids, e.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	committed := time.Now()
	at := map[string]time.Time{}
	for _, id := range ids {
		at[id] = committed
	}
	var last time.Time
	res.BurstLatency, res.BurstMissing, last = h.awaitEvents(ctx, at)
	stopProfile()
	if n := len(ids) - res.BurstMissing; n > 0 && last.After(committed) {
		res.BurstPerS = float64(n) / last.Sub(committed).Seconds()
	}

	h.log.Info("phase", "name", "webhooks-steady", "rate", h.o.WebhookRate, "duration", h.o.WebhookDuration)
	var mu sync.Mutex
	steady := map[string]time.Time{}
	var errs counter
	n := 0
	openLoop(ctx, h.o.WebhookRate, h.o.WebhookDuration, maxInFlight, func(ctx context.Context, _ time.Time) {
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		var e *outbox.Event
		err := db.RunInTx(ctx, h.t.DB, func(ctx context.Context, tx bun.IDB) error {
			var err error
			e, err = recordEvent(ctx, tx, shops[i%len(shops)], i)
			return err
		})
		if err != nil {
			errs.inc(err.Error())
			return
		}
		mu.Lock()
		steady[e.ID] = time.Now()
		mu.Unlock()
	})
	if errs := errs.snapshot(); len(errs) > 0 {
		return nil, fmt.Errorf("loadtest: committing steady events: %v", errs)
	}
	res.SteadyLatency, res.SteadyMissing, _ = h.awaitEvents(ctx, steady)
	return res, nil
}

// recordEvent commits an order.created event for a made-up order (no
// notification is made of it, so only webhooks do work).
func recordEvent(ctx context.Context, tx bun.IDB, sh *shop, i int) (*outbox.Event, error) {
	return outbox.Record(ctx, tx, sh.ID, outbox.OrderCreated, "", map[string]any{
		"order": map[string]any{"number": i, "status": "pending", "total": productPrice, "currency": "KES"}})
}

// awaitEvents waits (at most drainTimeout) for every event of committed to
// arrive, and returns the committed → received latencies, how many never
// came, and when the last one arrived.
func (h *harness) awaitEvents(ctx context.Context, committed map[string]time.Time) (Summary, int, time.Time) {
	deadline := time.Now().Add(drainTimeout)
	for {
		var lat []time.Duration
		var last time.Time
		missing := 0
		for id, c := range committed {
			at, ok := h.hooks.event(id)
			if !ok {
				missing++
				continue
			}
			lat = append(lat, at.Sub(c))
			if at.After(last) {
				last = at
			}
		}
		if missing == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			return summarize(lat), missing, last
		}
		time.Sleep(100 * time.Millisecond)
	}
}
