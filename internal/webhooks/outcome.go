package webhooks

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
)

// attemptLog is one HTTP request of a delivery, kept for the merchant's
// delivery log. The request body is the event's payload, the same bytes on
// every attempt, so it is not copied here.
type attemptLog struct {
	bun.BaseModel `bun:"table:webhook_attempts"`

	ID             string `bun:",pk"`
	DeliveryID     string
	StoreID        string
	RequestURL     string
	RequestHeaders string
	StatusCode     int64
	ResponseBody   string
	DurationMs     int64
	Error          string
	CreatedAt      time.Time
}

// settle logs attempt at and moves the delivery and its endpoint, in one
// transaction; retryable says whether a failure may be retried. It returns
// how long until the next try, 0 when there is none (delivered, failed
// for good, or held because this failure paused the endpoint).
func (d *Deliverer) settle(ctx context.Context, dl *Delivery, ep *Endpoint, at Attempt, now time.Time, retryable bool) (time.Duration, error) {
	errText := ""
	if at.Err != nil {
		errText = at.Err.Error()
	}
	status, step, next := DeliveryFailed, dl.ScheduleStep+1, time.Time{}
	var retryIn time.Duration
	switch {
	case at.OK():
		status = DeliveryDelivered
	case at.Gone() || !retryable:
	default:
		if wait, ok := RetryDelay(int(step), at.RetryAfter); ok {
			status, next, retryIn = DeliveryPending, now.Add(wait), wait
		}
	}
	headers, _ := json.Marshal(redactSignature(at.RequestHeaders))
	err := db.RunInTx(ctx, d.DB, func(ctx context.Context, tx bun.IDB) error {
		log := &attemptLog{ID: db.NewID("wha"), DeliveryID: dl.ID, StoreID: dl.StoreID, RequestURL: ep.URL,
			RequestHeaders: string(headers), StatusCode: int64(at.StatusCode), ResponseBody: strings.ToValidUTF8(string(at.ResponseBody), "\uFFFD"),
			DurationMs: at.Duration.Milliseconds(), Error: errText, CreatedAt: now}
		if _, err := tx.NewInsert().Model(log).Exec(ctx); err != nil {
			return err
		}
		q := tx.NewUpdate().Model((*Delivery)(nil)).Set("status = ?", status).Set("attempts = attempts + 1").
			Set("schedule_step = ?", step).Set("last_status_code = ?", at.StatusCode).Set("last_error = ?", errText).
			Set("updated_at = ?", now).Set("next_attempt_at = ?", nullTime(next)).Set("locked_until = NULL").
			Where("id = ?", dl.ID).Where("status = ?", DeliveryPending)
		if status == DeliveryDelivered {
			q = q.Set("delivered_at = ?", now)
		}
		if _, err := q.Exec(ctx); err != nil {
			return err
		}
		switch {
		case at.OK() && ep.FailingSince.IsZero():
			return nil
		case at.OK():
			return recovered(ctx, tx, ep.ID)
		case at.Gone():
			return disable(ctx, tx, ep, now, "the receiver answered 410 Gone")
		}
		paused, err := failed(ctx, tx, ep, now)
		if paused {
			retryIn = 0
		}
		return err
	})
	return retryIn, err
}

// recovered clears an endpoint's failure streak after a success.
func recovered(ctx context.Context, tx bun.IDB, endpointID string) error {
	_, err := tx.NewUpdate().Model((*Endpoint)(nil)).Set("failing_since = NULL").
		Where("id = ?", endpointID).Where("failing_since IS NOT NULL").Exec(ctx)
	return err
}

// failed starts or continues the endpoint's failure streak, and pauses it
// once the streak reaches PauseAfter. It reports whether it paused it.
func failed(ctx context.Context, tx bun.IDB, ep *Endpoint, now time.Time) (bool, error) {
	_, err := tx.NewUpdate().Model((*Endpoint)(nil)).Set("failing_since = ?", now).
		Where("id = ?", ep.ID).Where("failing_since IS NULL").Exec(ctx)
	if err != nil {
		return false, err
	}
	cur, err := Get(ctx, tx, ep.StoreID, ep.ID)
	if err != nil || cur.FailingSince.IsZero() || now.Sub(cur.FailingSince) < PauseAfter {
		return false, err
	}
	return pause(ctx, tx, cur, now)
}

// redactSignature keeps the logged headers useful without storing values
// that, with the body, would let anyone who reads the log replay the
// request: each signature is replaced, but their number is kept (two
// during a secret rotation).
func redactSignature(h http.Header) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		if len(v) > 0 {
			out[k] = v[0]
		}
	}
	if sigs, ok := out[http.CanonicalHeaderKey(headerSignature)]; ok {
		n := len(strings.Fields(sigs))
		out[http.CanonicalHeaderKey(headerSignature)] = strings.TrimSpace(strings.Repeat("v1,<redacted> ", n))
	}
	return out
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
