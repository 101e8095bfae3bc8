// Package outbox records domain events in the same transaction as the change
// that caused them. The worker relays them to webhooks and notifications, so
// an event is never lost when Redis or a receiver is down, and never sent for
// a change that rolled back.
package outbox

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
)

// Event types of the catalogue.
const (
	OrderCreated       = "order.created"
	OrderPaid          = "order.paid"
	OrderPaymentFailed = "order.payment_failed"
	OrderExpired       = "order.expired"
	OrderCancelled     = "order.cancelled"
	OrderFulfilled     = "order.fulfilled"
	PaymentOverpaid    = "payment.overpaid"
	PaymentUnmatched   = "payment.unmatched"
	EndpointTest       = "endpoint.test"
	// EndpointPaused and EndpointDisabled are platform events about a
	// seller's webhook endpoint (failing for 5 days; answered 410). They
	// tell the merchant and are listed by the events API, but are not
	// delivered to webhooks.
	EndpointPaused   = "endpoint.paused"
	EndpointDisabled = "endpoint.disabled"
)

// Event is one row of the outbox. Payload is the JSON body sellers receive.
type Event struct {
	bun.BaseModel `bun:"table:events"`

	ID        string    `bun:",pk" json:"id"`
	StoreID   string    `json:"store_id"`
	Type      string    `json:"type"`
	OrderID   string    `bun:",nullzero" json:"order_id,omitempty"`
	Payload   string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	RelayedAt time.Time `bun:",nullzero" json:"-"`
}

// Envelope is the shape of every webhook body: the event's identity around
// its data.
type Envelope struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"created_at"`
	StoreID   string    `json:"store_id"`
	Store     StoreRef  `json:"store"`
	Data      any       `json:"data"`
}

// StoreRef names the store an event belongs to, so a receiver serving
// several stores needs no lookup.
type StoreRef struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// Record writes an event of type typ about data into the outbox through
// tx, and returns it. Call it inside the transaction that made the change.
func Record(ctx context.Context, tx bun.IDB, storeID, typ, orderID string, data any) (*Event, error) {
	var store StoreRef
	if err := tx.NewSelect().Table("stores").Column("id", "slug", "name").Where("id = ?", storeID).Scan(ctx, &store.ID, &store.Slug, &store.Name); err != nil {
		return nil, db.NotFound(err)
	}
	return RecordFor(ctx, tx, store, typ, orderID, data)
}

// RecordFor is Record for a caller that already holds the store.
func RecordFor(ctx context.Context, tx bun.IDB, store StoreRef, typ, orderID string, data any) (*Event, error) {
	e := &Event{ID: db.NewID("evt"), StoreID: store.ID, Type: typ, OrderID: orderID, CreatedAt: db.Now()}
	body, err := json.Marshal(Envelope{ID: e.ID, Type: typ, CreatedAt: e.CreatedAt, StoreID: store.ID, Store: store, Data: data})
	if err != nil {
		return nil, err
	}
	e.Payload = string(body)
	if _, err := tx.NewInsert().Model(e).Exec(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// AnyUnrelayed reports whether an event other than skip waits for the
// relay: the cheap look an idle relay makes before opening a transaction.
func AnyUnrelayed(ctx context.Context, idb bun.IDB, skip []string) (bool, error) {
	q := idb.NewSelect().Model((*Event)(nil)).Where("relayed_at IS NULL")
	if len(skip) > 0 {
		q = q.Where("id NOT IN (?)", bun.In(skip))
	}
	return q.Exists(ctx)
}

// TakeUnrelayed marks up to limit events the relay has not handled yet as
// relayed, oldest first, leaving out skip, and returns them: the caller
// makes what they cause in the same transaction, so a rollback leaves them
// unrelayed, and taking and marking are one statement. On PostgreSQL rows
// another relay's transaction holds are passed over (SKIP LOCKED), so
// replicas relay different events instead of queueing behind each other;
// SQLite has one writer at a time anyway.
func TakeUnrelayed(ctx context.Context, tx bun.IDB, limit int, skip []string) ([]Event, error) {
	oldest := tx.NewSelect().Model((*Event)(nil)).Column("id").Where("relayed_at IS NULL").Order("created_at").Limit(int64(limit))
	if len(skip) > 0 {
		oldest = oldest.Where("id NOT IN (?)", bun.In(skip))
	}
	if db.IsPostgres(tx) {
		oldest = oldest.For("UPDATE SKIP LOCKED")
	}
	var es []Event
	_, err := tx.NewUpdate().Model(&es).Set("relayed_at = ?", db.Now()).Where("id IN (?)", oldest).
		Where("relayed_at IS NULL").Returning("*").Exec(ctx)
	slices.SortFunc(es, func(a, b Event) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return es, err
}

// TakeOne is TakeUnrelayed for event id alone; nil means it was relayed
// already.
func TakeOne(ctx context.Context, tx bun.IDB, id string) (*Event, error) {
	return db.UpdateOne[Event](ctx, tx.NewUpdate().Set("relayed_at = ?", db.Now()).Where("id = ?", id).Where("relayed_at IS NULL"))
}

// MarkRelayed records that the relay handled the events ids, and reports
// how many it marked (an id another run already marked is not counted).
func MarkRelayed(ctx context.Context, tx bun.IDB, ids ...string) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	res, err := tx.NewUpdate().Model((*Event)(nil)).Set("relayed_at = ?", db.Now()).
		Where("id IN (?)", bun.In(ids)).Where("relayed_at IS NULL").Exec(ctx)
	if err != nil {
		return 0, err
	}
	return db.Affected(res), nil
}
