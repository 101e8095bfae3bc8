package webhooks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/queue"
)

// Delivery statuses.
const (
	// DeliveryPending is due at NextAttemptAt (now, or a scheduled retry).
	DeliveryPending = "pending"
	// DeliveryHeld waits for its paused endpoint to be resumed.
	DeliveryHeld      = "held"
	DeliveryDelivered = "delivered"
	// DeliveryFailed ran out of retries, or its endpoint was disabled; a
	// replay (one, or all failed since a time) sends it again.
	DeliveryFailed = "failed"
)

// leaseTime bounds how long one worker holds a delivery (an attempt takes
// at most the 15 s send timeout); a duplicate task inside it sends nothing.
const leaseTime = 60 * time.Second

// earlySlack is how early a task may run and still send: Asynq schedules
// to the second, and worker clocks differ a little. It stays well under
// the shortest retry wait (5 s less 10%), so a duplicate never sends early.
const earlySlack = time.Second

// Delivery is one event on its way to one endpoint.
type Delivery struct {
	bun.BaseModel `bun:"table:webhook_deliveries,alias:d"`

	ID             string    `bun:",pk" json:"id"`
	StoreID        string    `json:"-"`
	EndpointID     string    `json:"endpoint_id"`
	EventID        string    `json:"event_id"`
	EventType      string    `bun:",scanonly" json:"event_type,omitempty"`
	Status         string    `json:"status"`
	Attempts       int64     `json:"attempts"`
	ScheduleStep   int64     `json:"-"`
	LastStatusCode int64     `json:"last_status_code"`
	LastError      string    `json:"last_error"`
	NextAttemptAt  time.Time `bun:",nullzero" json:"next_attempt_at,omitzero"`
	LockedUntil    time.Time `bun:",nullzero" json:"-"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	DeliveredAt    time.Time `bun:",nullzero" json:"delivered_at,omitzero"`
}

// DelivererConfig is what a [Deliverer] works with.
type DelivererConfig struct {
	DB        *bun.DB
	Endpoints *Endpoints
	Sender    *Sender
	// Queue schedules retries; a lost enqueue is found by the sweeper.
	Queue Enqueuer
	// Limiter bounds in-flight deliveries per endpoint; nil means no bound.
	Limiter *Limiter
	// Now is the clock; tests move a fake one. Defaults to db.Now.
	Now func() time.Time
	Log *slog.Logger
}

// Deliverer sends deliveries and keeps their log.
type Deliverer struct {
	DelivererConfig
}

// NewDeliverer returns a Deliverer.
func NewDeliverer(c DelivererConfig) *Deliverer {
	if c.Now == nil {
		c.Now = db.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return &Deliverer{DelivererConfig: c}
}

// HandleDeliver is the webhook:deliver task.
func (d *Deliverer) HandleDeliver(ctx context.Context, t *asynq.Task) error {
	p, err := queue.Decode(t)
	if err != nil {
		return err
	}
	return d.Deliver(ctx, p.ID)
}

// Deliver makes the attempt that delivery id is due for: one signed POST,
// logged, then the next retry scheduled (or the delivery settled). It
// returns an error only when it could not find out or record what
// happened, so the task is retried. Retries of a failed attempt are
// scheduled here, not by Asynq, so the schedule, Retry-After and the
// pause rule all read one row.
func (d *Deliverer) Deliver(ctx context.Context, id string) error {
	now := d.Now()
	dl, err := d.claim(ctx, id, now)
	if err != nil || dl == nil {
		return err // nil: settled, held, early (the task for its time will come) or held by another run
	}
	tg, err := d.target(ctx, dl)
	if err != nil {
		return errors.Join(err, d.unclaim(ctx, dl))
	}
	ep := &tg.Endpoint
	if ep.Status != EndpointActive {
		return d.park(ctx, dl, ep)
	}
	if d.Limiter != nil {
		release, ok, err := d.Limiter.Acquire(ctx, ep.ID)
		if err != nil {
			return errors.Join(err, d.unclaim(ctx, dl))
		}
		if !ok {
			// The endpoint has its fill of slow requests: come back soon,
			// without holding one of the worker's goroutines meanwhile.
			wait := time.Second + rand.N(2*time.Second)
			if err := d.unclaim(ctx, dl); err != nil {
				return err
			}
			d.enqueue(ctx, dl, wait, "busy"+strconv.FormatInt(time.Now().UnixNano(), 36))
			return nil
		}
		defer release()
	}
	secrets, err := d.Endpoints.signingSecrets(ep, now)
	if err != nil {
		d.Log.ErrorContext(ctx, "ALERT webhook secret cannot be opened; delivery failed unsent",
			"store_id", dl.StoreID, "endpoint_id", ep.ID, "delivery_id", dl.ID)
		_, err := d.settle(ctx, dl, ep, Attempt{Err: fmt.Errorf("webhooks: the endpoint's secret cannot be opened")}, now, false)
		return err
	}
	at := d.Sender.Send(ctx, Message{URL: ep.URL, ID: dl.EventID, Timestamp: now, Body: []byte(tg.Payload), Secrets: secrets})
	retryIn, err := d.settle(ctx, dl, ep, at, now, true)
	if err != nil {
		return err
	}
	if retryIn > 0 {
		d.enqueue(ctx, dl, retryIn, "a"+strconv.FormatInt(dl.Attempts+1, 10))
	}
	return nil
}

// target is a delivery's endpoint and the body of its event.
type target struct {
	Endpoint `bun:",extend"`
	Payload  string `bun:",scanonly"`
}

// target reads dl's endpoint and its event's body in one statement.
func (d *Deliverer) target(ctx context.Context, dl *Delivery) (*target, error) {
	tg := new(target)
	err := d.DB.NewSelect().Model(tg).ColumnExpr("?TableColumns").
		ColumnExpr("(SELECT payload FROM events WHERE id = ?) AS payload", dl.EventID).
		Where("store_id = ?", dl.StoreID).Where("id = ?", dl.EndpointID).Scan(ctx)
	if err == nil && tg.Payload == "" {
		err = fmt.Errorf("webhooks: event %s: %w", dl.EventID, db.ErrNotFound)
	}
	return tg, db.NotFound(err)
}

// claim takes a short lease on delivery id if it is pending, due (give or
// take earlySlack) and not leased, and returns it; nil means there is
// nothing for this run to do. Reading and leasing are one statement.
func (d *Deliverer) claim(ctx context.Context, id string, now time.Time) (*Delivery, error) {
	return db.UpdateOne[Delivery](ctx, d.DB.NewUpdate().Set("locked_until = ?", now.Add(leaseTime)).
		Where("id = ?", id).Where("status = ?", DeliveryPending).
		Where("(next_attempt_at IS NULL OR next_attempt_at <= ?)", now.Add(earlySlack)).
		Where("(locked_until IS NULL OR locked_until < ?)", now))
}

// unclaim gives up this run's lease, so the delivery's next task need not
// wait for it to run out.
func (d *Deliverer) unclaim(ctx context.Context, dl *Delivery) error {
	_, err := d.DB.NewUpdate().Model((*Delivery)(nil)).Set("locked_until = NULL").
		Where("id = ?", dl.ID).Where("status = ?", DeliveryPending).Exec(ctx)
	return err
}

// park settles a delivery whose endpoint is not active: held while the
// endpoint is paused, failed once it is disabled.
func (d *Deliverer) park(ctx context.Context, dl *Delivery, ep *Endpoint) error {
	q := d.DB.NewUpdate().Model((*Delivery)(nil)).Set("updated_at = ?", d.Now()).Set("next_attempt_at = NULL").
		Set("locked_until = NULL").
		Where("id = ?", dl.ID).Where("status = ?", DeliveryPending)
	if ep.Status == EndpointPaused {
		q = q.Set("status = ?", DeliveryHeld)
	} else {
		q = q.Set("status = ?", DeliveryFailed).Set("last_error = ?", "endpoint disabled: "+ep.StatusReason)
	}
	_, err := q.Exec(ctx)
	return err
}

func (d *Deliverer) enqueue(ctx context.Context, dl *Delivery, delay time.Duration, key string) {
	j := queue.Job{Type: queue.TypeDeliver, ID: dl.ID, StoreID: dl.StoreID, Delay: delay, Key: key}
	if err := d.Queue.Enqueue(ctx, j); err != nil {
		d.Log.ErrorContext(ctx, "enqueue delivery; the sweeper will retry", "store_id", dl.StoreID, "delivery_id", dl.ID, "err", err)
	}
}
