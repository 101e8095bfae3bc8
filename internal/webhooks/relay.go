package webhooks

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/internal/queue"
)

// Enqueuer schedules background work; *queue.Client is the real one.
type Enqueuer interface {
	Enqueue(ctx context.Context, j queue.Job) error
}

// Fanout turns a batch of events into the other rows they cause
// (notifications); it runs inside the relay's transaction and returns the
// jobs to enqueue after commit. It reads and writes per batch, not per
// event: the relay's throughput is its round trips.
type Fanout func(ctx context.Context, tx bun.IDB, es []outbox.Event) ([]queue.Job, error)

// Relay moves outbox events to webhook deliveries and notifications.
type Relay struct {
	db     *bun.DB
	queue  Enqueuer
	fanout []Fanout
	log    *slog.Logger

	// busy is whether the last poll found events: while they flow, the
	// poll goes straight to its transaction without the idle look first.
	busy atomic.Bool

	mu sync.Mutex
	// failing holds events whose relay failed on its own, with when it
	// may be tried again, so one bad event does not hold up the others.
	failing map[string]time.Time
}

// relayBatch is how many events one relay transaction takes: one commit
// for many events is what lets delivery keep up with a sale-day rush.
const relayBatch = 100

// relayLanes is how many batches one worker relays at once on
// PostgreSQL (SKIP LOCKED gives each its own events). A batch is a chain
// of short statements, each a round trip: lanes keep the database busy
// while one waits. SQLite has one writer, so one lane.
const relayLanes = 4

// failingBackoff is how long an event whose relay failed on its own waits
// before it is tried again.
const failingBackoff = 10 * time.Second

// NewRelay returns a Relay; fanout adds other consumers of events.
func NewRelay(d *bun.DB, q Enqueuer, log *slog.Logger, fanout ...Fanout) *Relay {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Relay{db: d, queue: q, fanout: fanout, log: log, failing: map[string]time.Time{}}
}

// Poll relays every committed event not relayed yet, in batches, then
// enqueues the deliveries and notifications they made. Each worker calls it
// many times a second (a polling publisher: code that writes events never
// talks to Redis); an idle poll is one indexed query. Lanes and replicas
// polling at once take different events.
func (r *Relay) Poll(ctx context.Context) error {
	if !r.busy.Load() {
		if waiting, err := outbox.AnyUnrelayed(ctx, r.db, r.skipping()); err != nil || !waiting {
			return err
		}
	}
	n, err := r.pollBatch(ctx)
	r.busy.Store(n > 0)
	if err != nil || n < relayBatch {
		return err
	}
	// A full batch: a backlog, drained in lanes (one on SQLite).
	lanes := 1
	if db.IsPostgres(r.db) {
		lanes = relayLanes
	}
	errs := make([]error, lanes)
	var wg sync.WaitGroup
	for i := range lanes {
		wg.Go(func() {
			for ctx.Err() == nil {
				n, err := r.pollBatch(ctx)
				if err != nil || n < relayBatch {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// pollBatch relays up to relayBatch events in one transaction and reports
// how many it took. If the batch fails, its events are relayed one by one,
// so a bad event is set aside (and logged) instead of blocking the rest.
func (r *Relay) pollBatch(ctx context.Context) (int, error) {
	skip := r.skipping()
	var taken []string
	jobs, err := r.inTx(ctx, func(ctx context.Context, tx bun.IDB) ([]queue.Job, error) {
		es, err := outbox.TakeUnrelayed(ctx, tx, relayBatch, skip)
		if err != nil {
			return nil, err
		}
		taken = taken[:0]
		for _, e := range es {
			taken = append(taken, e.ID)
		}
		return r.relayEvents(ctx, tx, es)
	})
	if err != nil && len(taken) > 1 {
		r.log.WarnContext(ctx, "relay batch failed; relaying its events one by one", "events", len(taken), "err", err)
		for _, id := range taken {
			r.relayAlone(ctx, id)
		}
		return len(taken), nil
	}
	if err != nil && len(taken) == 1 {
		// Failed alone: set aside (and logged), not an error of the poll;
		// another lane may have taken it just after its batch failed.
		r.setAside(ctx, taken[0], err)
		return 1, nil
	}
	if err != nil {
		return 0, err
	}
	r.enqueueAll(ctx, jobs)
	return len(taken), nil
}

// relayAlone relays one event in its own transaction; an event that fails
// alone is set aside for failingBackoff.
func (r *Relay) relayAlone(ctx context.Context, id string) {
	jobs, err := r.inTx(ctx, func(ctx context.Context, tx bun.IDB) ([]queue.Job, error) {
		e, err := outbox.TakeOne(ctx, tx, id)
		if err != nil || e == nil {
			return nil, err
		}
		return r.relayEvents(ctx, tx, []outbox.Event{*e})
	})
	if err != nil {
		r.setAside(ctx, id, err)
		return
	}
	r.enqueueAll(ctx, jobs)
}

// relayEvents makes the deliveries and fan-out of events es, taken (and
// so marked relayed) inside tx: a few statements for the whole batch.
// Each delivery is unique per (endpoint, event) and each notification per
// (event, kind, channel), so an event relayed twice makes nothing twice.
func (r *Relay) relayEvents(ctx context.Context, tx bun.IDB, es []outbox.Event) ([]queue.Job, error) {
	jobs, err := r.deliveries(ctx, tx, es)
	if err != nil {
		return nil, err
	}
	for _, f := range r.fanout {
		js, err := f(ctx, tx, es)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, js...)
	}
	return jobs, nil
}

// inTx runs fn in a transaction and returns its jobs once it committed.
func (r *Relay) inTx(ctx context.Context, fn func(context.Context, bun.IDB) ([]queue.Job, error)) ([]queue.Job, error) {
	var jobs []queue.Job
	err := db.RunInTx(ctx, r.db, func(ctx context.Context, tx bun.IDB) error {
		var err error
		jobs, err = fn(ctx, tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return jobs, nil
}

// skipping lists the events set aside and not due again yet, forgetting
// those that are.
func (r *Relay) skipping() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	var ids []string
	for id, until := range r.failing {
		if now.Before(until) {
			ids = append(ids, id)
		} else {
			delete(r.failing, id)
		}
	}
	return ids
}

func (r *Relay) setAside(ctx context.Context, id string, err error) {
	if ctx.Err() != nil {
		return // shutting down, not a bad event
	}
	r.log.ErrorContext(ctx, "ALERT event cannot be relayed; retrying later", "event_id", id, "retry_in", failingBackoff, "err", err)
	r.mu.Lock()
	r.failing[id] = time.Now().Add(failingBackoff)
	r.mu.Unlock()
}

func (r *Relay) enqueueAll(ctx context.Context, jobs []queue.Job) {
	for _, j := range jobs {
		r.enqueue(ctx, j)
	}
}

// deliveries makes the deliveries of events es: due now for active
// endpoints that subscribed to their type, held for paused ones (sent on
// resume), none for disabled ones. It returns the jobs of those it made.
func (r *Relay) deliveries(ctx context.Context, tx bun.IDB, es []outbox.Event) ([]queue.Job, error) {
	eps, err := endpointsOf(ctx, tx, es)
	if err != nil {
		return nil, err
	}
	var ds []*Delivery
	now := db.Now()
	for i := range es {
		e := &es[i]
		for _, ep := range eps[e.StoreID] {
			if !ep.Wants(e.Type) || ep.Status == EndpointDisabled {
				continue
			}
			status := DeliveryPending
			if ep.Status == EndpointPaused {
				status = DeliveryHeld
			}
			ds = append(ds, newDelivery(e, ep.ID, status, now))
		}
	}
	if len(ds) == 0 {
		return nil, nil
	}
	inserted, err := db.InsertNew(ctx, tx, &ds, "endpoint_id, event_id")
	if err != nil {
		return nil, err
	}
	var jobs []queue.Job
	for _, d := range ds {
		if inserted[d.ID] && d.Status == DeliveryPending {
			jobs = append(jobs, queue.Job{Type: queue.TypeDeliver, ID: d.ID, StoreID: d.StoreID})
		}
	}
	return jobs, nil
}

// endpointsOf reads the endpoints of the stores of es in one statement,
// keyed by store.
func endpointsOf(ctx context.Context, tx bun.IDB, es []outbox.Event) (map[string][]Endpoint, error) {
	storeIDs := make([]string, len(es))
	for i := range es {
		storeIDs[i] = es[i].StoreID
	}
	var all []Endpoint
	if err := tx.NewSelect().Model(&all).Where("store_id IN (?)", bun.In(storeIDs)).Order("created_at").Scan(ctx); err != nil {
		return nil, err
	}
	out := map[string][]Endpoint{}
	for _, ep := range all {
		out[ep.StoreID] = append(out[ep.StoreID], ep)
	}
	return out, nil
}

// sweepGrace is how late a due delivery may be before the sweeper assumes
// its task was lost (Redis flushed or down when it was enqueued).
const sweepGrace = time.Minute

// Sweep re-enqueues deliveries that are overdue and not being worked on:
// their task was lost.
func (r *Relay) Sweep(ctx context.Context) error {
	var ds []Delivery
	now := db.Now()
	err := r.db.NewSelect().Model(&ds).Column("id", "store_id").Where("status = ?", DeliveryPending).
		Where("(next_attempt_at IS NULL OR next_attempt_at < ?)", now.Add(-sweepGrace)).
		Where("(locked_until IS NULL OR locked_until < ?)", now).Order("next_attempt_at").Limit(500).Scan(ctx)
	if err != nil {
		return err
	}
	for _, d := range ds {
		r.enqueue(ctx, queue.Job{Type: queue.TypeDeliver, ID: d.ID, StoreID: d.StoreID, Key: "sweep"})
	}
	return nil
}

func (r *Relay) enqueue(ctx context.Context, j queue.Job) {
	if err := r.queue.Enqueue(ctx, j); err != nil {
		r.log.ErrorContext(ctx, "enqueue; the sweeper will retry", "type", j.Type, "id", j.ID, "err", err)
	}
}
