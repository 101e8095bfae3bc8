package webhooks

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/outbox"
)

// TestEvent is the data of an endpoint.test event.
type TestEvent struct {
	Endpoint struct {
		ID  string `json:"id"`
		URL string `json:"url"`
	} `json:"endpoint"`
	Message string `json:"message"`
}

// activeEndpoint loads an endpoint that may be sent to now.
func activeEndpoint(ctx context.Context, idb bun.IDB, storeID, id string) (*Endpoint, error) {
	ep, err := Get(ctx, idb, storeID, id)
	if err != nil {
		return nil, err
	}
	if ep.Status != EndpointActive {
		return nil, ErrEndpointPaused
	}
	return ep, nil
}

// Replay sends delivery deliveryID of endpoint endpointID again now, on a
// fresh retry schedule, whatever its status (delivered, failed, or waiting
// for a retry).
func (d *Deliverer) Replay(ctx context.Context, storeID, endpointID, deliveryID string) error {
	ids, err := d.replay(ctx, storeID, endpointID, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("id = ?", deliveryID).Where("status <> ?", DeliveryHeld)
	})
	if err == nil && len(ids) == 0 {
		return db.ErrNotFound
	}
	return err
}

// Recover sends again every delivery of endpointID that failed for good
// and was created at or after since ("recover all failed since T"). It
// returns how many.
func (d *Deliverer) Recover(ctx context.Context, storeID, endpointID string, since time.Time) (int, error) {
	ids, err := d.replay(ctx, storeID, endpointID, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("status = ?", DeliveryFailed).Where("created_at >= ?", since.UTC())
	})
	return len(ids), err
}

func (d *Deliverer) replay(ctx context.Context, storeID, endpointID string, filter func(*bun.SelectQuery) *bun.SelectQuery) ([]string, error) {
	var ids []string
	err := db.RunInTx(ctx, d.DB, func(ctx context.Context, tx bun.IDB) error {
		if _, err := activeEndpoint(ctx, tx, storeID, endpointID); err != nil {
			return err
		}
		var err error
		ids, err = d.reschedule(ctx, tx, d.Now(), func(q *bun.SelectQuery) *bun.SelectQuery {
			return filter(q.Where("store_id = ?", storeID).Where("endpoint_id = ?", endpointID))
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	d.enqueueAll(ctx, storeID, ids, "replay")
	return ids, nil
}

// SendTest delivers an endpoint.test event to endpointID alone (the
// endpoint needs no subscription to it) and returns the delivery.
func (d *Deliverer) SendTest(ctx context.Context, storeID, endpointID string) (*Delivery, error) {
	now := d.Now()
	var dl *Delivery
	err := db.RunInTx(ctx, d.DB, func(ctx context.Context, tx bun.IDB) error {
		ep, err := activeEndpoint(ctx, tx, storeID, endpointID)
		if err != nil {
			return err
		}
		var data TestEvent
		data.Endpoint.ID, data.Endpoint.URL = ep.ID, ep.URL
		data.Message = "This is a test event from SokoHub. Answer 2xx to acknowledge it."
		e, err := outbox.Record(ctx, tx, storeID, outbox.EndpointTest, "", data)
		if err != nil {
			return err
		}
		// Relayed by this transaction, so the relay never fans a test out to
		// the store's other endpoints.
		if _, err := outbox.MarkRelayed(ctx, tx, e.ID); err != nil {
			return err
		}
		dl = newDelivery(e, ep.ID, DeliveryPending, now)
		_, err = tx.NewInsert().Model(dl).Exec(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	dl.EventType = outbox.EndpointTest
	d.enqueueAll(ctx, storeID, []string{dl.ID}, "test")
	return dl, nil
}

// newDelivery is a delivery of event e to endpointID, due now unless held.
func newDelivery(e *outbox.Event, endpointID, status string, now time.Time) *Delivery {
	dl := &Delivery{ID: db.NewID("dlv"), StoreID: e.StoreID, EndpointID: endpointID, EventID: e.ID,
		Status: status, CreatedAt: now, UpdatedAt: now}
	if status == DeliveryPending {
		dl.NextAttemptAt = now
	}
	return dl
}
