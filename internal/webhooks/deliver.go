package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/hibiken/asynq"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/internal/queue"
)

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// Delivery is one event on its way to one endpoint.
type Delivery struct {
	bun.BaseModel `bun:"table:webhook_deliveries"`

	ID             string    `bun:",pk" json:"id"`
	StoreID        string    `json:"-"`
	EndpointID     string    `json:"endpoint_id"`
	EventID        string    `json:"event_id"`
	Status         string    `json:"status"`
	Attempts       int64     `json:"attempts"`
	LastStatusCode int64     `json:"last_status_code"`
	LastError      string    `json:"last_error"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	DeliveredAt    time.Time `bun:",nullzero" json:"delivered_at,omitzero"`
}

// attemptLog is one HTTP request of a delivery, kept for the merchant's
// delivery log.
type attemptLog struct {
	bun.BaseModel `bun:"table:webhook_attempts"`

	ID             string `bun:",pk"`
	DeliveryID     string
	StoreID        string
	RequestHeaders string
	StatusCode     int64
	ResponseBody   string
	DurationMs     int64
	Error          string
	CreatedAt      time.Time
}

// Schedule is the wait before each retry (Svix's): the first retry comes
// 5 s after the immediate try, the last about 27 h after it.
var Schedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour,
	5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// RetryDelay is the wait before retry n (1-based) of a failed delivery,
// with ±10% jitter so a recovering receiver is not hit by a thundering herd;
// a receiver's Retry-After wins when it asks for longer.
func RetryDelay(n int, err error) time.Duration {
	d := Schedule[min(max(n, 1), len(Schedule))-1]
	d += time.Duration((rand.Float64()*0.2 - 0.1) * float64(d))
	var ra *retryAfterError
	if errors.As(err, &ra) && ra.after > d {
		return ra.after
	}
	return d
}

type retryAfterError struct {
	after time.Duration
	msg   string
}

func (e *retryAfterError) Error() string { return e.msg }

// Deliverer sends deliveries.
type Deliverer struct {
	db        *bun.DB
	endpoints *Endpoints
	sender    *Sender
}

// NewDeliverer returns a Deliverer.
func NewDeliverer(d *bun.DB, eps *Endpoints, s *Sender) *Deliverer {
	return &Deliverer{db: d, endpoints: eps, sender: s}
}

// HandleDeliver is the webhook:deliver task: one signed POST, logged, and
// a retry on the schedule when the receiver did not answer 2xx.
func (d *Deliverer) HandleDeliver(ctx context.Context, t *asynq.Task) error {
	p, err := queue.Decode(t)
	if err != nil {
		return err
	}
	dl := new(Delivery)
	if err := d.db.NewSelect().Model(dl).Where("id = ?", p.ID).Scan(ctx); err != nil {
		return db.NotFound(err)
	}
	if dl.Status != DeliveryPending {
		return nil
	}
	ep := new(Endpoint)
	if err := d.db.NewSelect().Model(ep).Where("id = ?", dl.EndpointID).Where("store_id = ?", dl.StoreID).Scan(ctx); err != nil {
		return err
	}
	if ep.Status != EndpointActive {
		return nil // held; sent when the endpoint is active again
	}
	ev, err := outbox.Get(ctx, d.db, dl.EventID)
	if err != nil {
		return err
	}
	secret, err := d.endpoints.secret(ep)
	if err != nil {
		return fmt.Errorf("webhooks: open endpoint secret: %w", asynq.SkipRetry)
	}
	at := d.sender.Send(ctx, Message{URL: ep.URL, ID: ev.ID, Timestamp: time.Now(), Body: []byte(ev.Payload), Secrets: []string{secret}})
	if err := d.record(ctx, dl, ep, at); err != nil {
		return err
	}
	switch {
	case at.OK():
		return nil
	case at.Gone():
		return fmt.Errorf("webhooks: receiver answered 410, endpoint disabled: %w", asynq.SkipRetry)
	}
	msg := fmt.Sprintf("webhooks: delivery %s failed: status %d %v", dl.ID, at.StatusCode, at.Err)
	return &retryAfterError{after: at.RetryAfter, msg: msg}
}

// record logs the attempt and moves the delivery, in one transaction.
func (d *Deliverer) record(ctx context.Context, dl *Delivery, ep *Endpoint, at Attempt) error {
	errText := ""
	if at.Err != nil {
		errText = at.Err.Error()
	}
	headers, _ := json.Marshal(redactSignature(at))
	now := db.Now()
	retries, _ := asynq.GetRetryCount(ctx)
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	status := DeliveryPending
	switch {
	case at.OK():
		status = DeliveryDelivered
	case at.Gone() || retries >= maxRetry:
		status = DeliveryFailed
	}
	return db.RunInTx(ctx, d.db, func(ctx context.Context, tx bun.IDB) error {
		log := &attemptLog{ID: db.NewID("wha"), DeliveryID: dl.ID, StoreID: dl.StoreID, RequestHeaders: string(headers),
			StatusCode: int64(at.StatusCode), ResponseBody: string(at.ResponseBody), DurationMs: at.Duration.Milliseconds(),
			Error: errText, CreatedAt: now}
		if _, err := tx.NewInsert().Model(log).Exec(ctx); err != nil {
			return err
		}
		q := tx.NewUpdate().Model((*Delivery)(nil)).Set("status = ?", status).Set("attempts = attempts + 1").
			Set("last_status_code = ?", at.StatusCode).Set("last_error = ?", errText).Set("updated_at = ?", now).
			Where("id = ?", dl.ID).Where("status = ?", DeliveryPending)
		if status == DeliveryDelivered {
			q = q.Set("delivered_at = ?", now)
		}
		if _, err := q.Exec(ctx); err != nil {
			return err
		}
		if at.Gone() {
			_, err := tx.NewUpdate().Model((*Endpoint)(nil)).Set("status = ?", EndpointDisabled).Where("id = ?", ep.ID).Exec(ctx)
			return err
		}
		return nil
	})
}

// redactSignature keeps the logged headers useful without storing a
// value that, with the body, would let anyone replay the request.
func redactSignature(at Attempt) map[string]string {
	h := map[string]string{}
	for k, v := range at.RequestHeaders {
		if len(v) > 0 {
			h[k] = v[0]
		}
	}
	if _, ok := h["Webhook-Signature"]; ok {
		h["Webhook-Signature"] = "v1,…"
	}
	return h
}

// Deliveries lists storeID's deliveries of one order's events, for the
// merchant and for tests.
func Deliveries(ctx context.Context, idb bun.IDB, storeID string) ([]Delivery, error) {
	ds := []Delivery{}
	err := idb.NewSelect().Model(&ds).Where("store_id = ?", storeID).Order("created_at DESC").Limit(200).Scan(ctx)
	return ds, err
}
