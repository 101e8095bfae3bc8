package webhooks

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/internal/queue"
)

// Enqueuer schedules background work; *queue.Client is the real one.
type Enqueuer interface {
	Enqueue(ctx context.Context, j queue.Job) error
}

// Fanout turns an event into the other rows it causes (notifications);
// it runs inside the relay's transaction and returns the jobs to enqueue
// after commit.
type Fanout func(ctx context.Context, tx bun.IDB, e *outbox.Event) ([]queue.Job, error)

// Relay moves outbox events to webhook deliveries and notifications.
type Relay struct {
	db     *bun.DB
	queue  Enqueuer
	fanout []Fanout
	log    *slog.Logger

	mu sync.Mutex
	// queued is when Poll last enqueued each event it saw unrelayed, so a
	// poll does not enqueue again an event whose task is still waiting.
	queued map[string]time.Time
}

// requeueAfter is how long an event Poll enqueued stays unrelayed before
// Poll enqueues it again (its task was lost). An enqueue Redis refused is
// retried by the next poll.
const requeueAfter = 10 * time.Second

// NewRelay returns a Relay; fanout adds other consumers of events.
func NewRelay(d *bun.DB, q Enqueuer, log *slog.Logger, fanout ...Fanout) *Relay {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Relay{db: d, queue: q, fanout: fanout, log: log}
}

// Poll enqueues the relay of every event not relayed yet. The worker
// calls it a few times a second: committed events reach the queue without
// the code that wrote them knowing about Redis (a polling publisher).
func (r *Relay) Poll(ctx context.Context) error {
	ids, err := outbox.UnrelayedIDs(ctx, r.db, 500)
	if err != nil {
		return err
	}
	now := time.Now()
	r.mu.Lock()
	queued := make(map[string]time.Time, len(ids))
	var due []string
	for _, id := range ids {
		if at, ok := r.queued[id]; ok && now.Sub(at) < requeueAfter {
			queued[id] = at
			continue
		}
		queued[id] = now
		due = append(due, id)
	}
	r.queued = queued
	r.mu.Unlock()
	for _, id := range due {
		if err := r.queue.Enqueue(ctx, queue.Job{Type: queue.TypeRelayEvent, ID: id}); err != nil {
			// Not queued after all: the next poll tries again at once.
			r.log.ErrorContext(ctx, "enqueue relay; the next poll retries", "event_id", id, "err", err)
			r.mu.Lock()
			delete(r.queued, id)
			r.mu.Unlock()
		}
	}
	return nil
}

// HandleRelay is the outbox:relay task. Creating deliveries and marking
// the event relayed share a transaction, and each delivery is unique per
// (endpoint, event), so a relay run twice makes no second delivery.
func (r *Relay) HandleRelay(ctx context.Context, t *asynq.Task) error {
	p, err := queue.Decode(t)
	if err != nil {
		return err
	}
	return r.relay(ctx, p.ID)
}

func (r *Relay) relay(ctx context.Context, eventID string) error {
	var jobs []queue.Job
	err := db.RunInTx(ctx, r.db, func(ctx context.Context, tx bun.IDB) error {
		jobs = nil
		e, err := outbox.Get(ctx, tx, eventID)
		if err != nil {
			return err
		}
		if !e.RelayedAt.IsZero() {
			return nil
		}
		if jobs, err = r.deliveries(ctx, tx, e); err != nil {
			return err
		}
		for _, f := range r.fanout {
			js, err := f(ctx, tx, e)
			if err != nil {
				return err
			}
			jobs = append(jobs, js...)
		}
		_, err = outbox.MarkRelayed(ctx, tx, e.ID)
		return err
	})
	if err != nil {
		return err
	}
	for _, j := range jobs {
		r.enqueue(ctx, j)
	}
	return nil
}

// deliveries makes e's deliveries: due now for active endpoints that
// subscribed to its type, held for paused ones (sent on resume), none for
// disabled ones.
func (r *Relay) deliveries(ctx context.Context, tx bun.IDB, e *outbox.Event) ([]queue.Job, error) {
	eps, err := List(ctx, tx, e.StoreID)
	if err != nil {
		return nil, err
	}
	var jobs []queue.Job
	now := db.Now()
	for _, ep := range eps {
		if !ep.Wants(e.Type) || ep.Status == EndpointDisabled {
			continue
		}
		status := DeliveryPending
		if ep.Status == EndpointPaused {
			status = DeliveryHeld
		}
		d := newDelivery(e, ep.ID, status, now)
		res, err := tx.NewInsert().Model(d).On("CONFLICT (endpoint_id, event_id) DO NOTHING").Exec(ctx)
		if err != nil {
			return nil, err
		}
		if db.Affected(res) == 1 && status == DeliveryPending {
			jobs = append(jobs, queue.Job{Type: queue.TypeDeliver, ID: d.ID, StoreID: d.StoreID})
		}
	}
	return jobs, nil
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
