package webhooks

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/internal/queue"
)

// EndpointEvent is the data of endpoint.paused and endpoint.disabled: what
// the merchant's notification says.
type EndpointEvent struct {
	Endpoint map[string]any `json:"endpoint"`
	Reason   string         `json:"reason"`
}

// pause stops deliveries to an active endpoint: everything pending is held
// until the merchant resumes it, and the merchant is told (through the
// endpoint.paused event). It reports false when the endpoint was not
// active any more.
func pause(ctx context.Context, tx bun.IDB, ep *Endpoint, now time.Time) (bool, error) {
	reason := fmt.Sprintf("every delivery failed since %s (%s without a success)",
		ep.FailingSince.UTC().Format(time.RFC3339), PauseAfter)
	ok, err := setInactive(ctx, tx, ep, now, EndpointPaused, reason)
	if err != nil || !ok {
		return false, err
	}
	_, err = tx.NewUpdate().Model((*Delivery)(nil)).Set("status = ?", DeliveryHeld).Set("next_attempt_at = NULL").
		Set("locked_until = NULL").Set("updated_at = ?", now).
		Where("endpoint_id = ?", ep.ID).Where("status = ?", DeliveryPending).Exec(ctx)
	return err == nil, err
}

// disable stops an endpoint whose receiver asked for it (410 Gone). New
// events are not delivered to it; pending deliveries fail when they come
// up.
func disable(ctx context.Context, tx bun.IDB, ep *Endpoint, now time.Time, reason string) error {
	_, err := setInactive(ctx, tx, ep, now, EndpointDisabled, reason)
	return err
}

func setInactive(ctx context.Context, tx bun.IDB, ep *Endpoint, now time.Time, status, reason string) (bool, error) {
	res, err := tx.NewUpdate().Model((*Endpoint)(nil)).Set("status = ?", status).Set("status_reason = ?", reason).
		Set("paused_at = ?", now).Where("id = ?", ep.ID).Where("status = ?", EndpointActive).Exec(ctx)
	if err != nil || db.Affected(res) == 0 {
		return false, err
	}
	cur, err := Get(ctx, tx, ep.StoreID, ep.ID)
	if err != nil {
		return false, err
	}
	typ := outbox.EndpointPaused
	if status == EndpointDisabled {
		typ = outbox.EndpointDisabled
	}
	_, err = outbox.Record(ctx, tx, ep.StoreID, typ, "", EndpointEvent{Endpoint: cur.View(), Reason: reason})
	return err == nil, err
}

// Resume reactivates a paused or disabled endpoint and sends, oldest
// first, every delivery it held. It returns how many it released.
func (d *Deliverer) Resume(ctx context.Context, storeID, endpointID string) (int, error) {
	now := d.Now()
	var ids []string
	err := db.RunInTx(ctx, d.DB, func(ctx context.Context, tx bun.IDB) error {
		res, err := tx.NewUpdate().Model((*Endpoint)(nil)).Set("status = ?", EndpointActive).Set("status_reason = ''").
			Set("failing_since = NULL").Set("paused_at = NULL").
			Where("id = ?", endpointID).Where("store_id = ?", storeID).
			Where("status IN (?)", bun.In([]string{EndpointPaused, EndpointDisabled})).Exec(ctx)
		if err != nil {
			return err
		}
		if db.Affected(res) == 0 {
			if _, err := Get(ctx, tx, storeID, endpointID); err != nil {
				return err
			}
			return ErrNotPaused
		}
		ids, err = d.reschedule(ctx, tx, now, func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("endpoint_id = ?", endpointID).Where("status = ?", DeliveryHeld)
		})
		return err
	})
	if err != nil {
		return 0, err
	}
	d.enqueueAll(ctx, storeID, ids, "resume")
	return len(ids), nil
}

// reschedule makes the deliveries filter selects (of one store's endpoint)
// due now on a fresh schedule, and returns their ids, oldest first.
func (d *Deliverer) reschedule(ctx context.Context, tx bun.IDB, now time.Time, filter func(*bun.SelectQuery) *bun.SelectQuery) ([]string, error) {
	var ids []string
	if err := filter(tx.NewSelect().Model((*Delivery)(nil)).Column("id")).Order("id").Scan(ctx, &ids); err != nil {
		return nil, err
	}
	for chunk := range slices.Chunk(ids, 500) {
		_, err := tx.NewUpdate().Model((*Delivery)(nil)).Set("status = ?", DeliveryPending).Set("schedule_step = 0").
			Set("next_attempt_at = ?", now).Set("locked_until = NULL").Set("updated_at = ?", now).
			Where("id IN (?)", bun.In(chunk)).Exec(ctx)
		if err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// enqueueAll queues deliveries that were made due now; any enqueue lost
// is found by the sweeper.
func (d *Deliverer) enqueueAll(ctx context.Context, storeID string, ids []string, why string) {
	key := why + strconv.FormatInt(time.Now().UnixNano(), 36)
	for _, id := range ids {
		if err := d.Queue.Enqueue(ctx, queue.Job{Type: queue.TypeDeliver, ID: id, StoreID: storeID, Key: key}); err != nil {
			// Redis is likely down: the rest would fail too.
			d.Log.ErrorContext(ctx, "enqueue deliveries; the sweeper will retry", "store_id", storeID, "count", len(ids), "err", err)
			return
		}
	}
}
