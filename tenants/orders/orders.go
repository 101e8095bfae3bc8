// Package orders owns a store's orders and their line items. Every query
// takes the store id; every status change is a conditional UPDATE, so a
// duplicate or late input finds nothing to change.
package orders

import (
	"context"
	"crypto/subtle"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/tokens"
)

// Order statuses.
const (
	StatusPending   = "pending"
	StatusPaid      = "paid"
	StatusFulfilled = "fulfilled"
	StatusExpired   = "expired"
	StatusCancelled = "cancelled"
)

// Order is what a customer bought from a store. Total is in minor units.
type Order struct {
	bun.BaseModel `bun:"table:orders"`

	ID            string    `bun:",pk" json:"id"`
	StoreID       string    `json:"store_id"`
	Number        int64     `json:"number"`
	Status        string    `json:"status"`
	Total         int64     `json:"total"`
	Currency      string    `json:"currency"`
	Phone         string    `json:"phone"`
	CustomerName  string    `json:"-"`
	CustomerEmail string    `json:"-"`
	TokenHash     string    `json:"-"`
	Receipt       string    `bun:",nullzero" json:"receipt"`
	Sequence      int64     `json:"sequence"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	PaidAt        time.Time `bun:",nullzero" json:"paid_at,omitzero"`
	// ExpiresAt is when an unpaid order releases its stock.
	ExpiresAt time.Time `bun:",nullzero" json:"expires_at"`
	// Attention says why the merchant must look at the order, e.g.
	// AttentionNoStock; empty when nothing is wrong.
	Attention string `bun:",nullzero" json:"attention,omitempty"`
	// DeliveryNote is what the customer wrote for delivery ("" for none).
	DeliveryNote string `json:"delivery_note"`
	// FulfilledAt is when the merchant marked the order fulfilled.
	FulfilledAt time.Time `bun:",nullzero" json:"fulfilled_at,omitzero"`
}

// AttentionNoStock marks an order paid after it expired when its stock had
// been sold meanwhile: the merchant must refund or find the goods.
const AttentionNoStock = "paid_after_expiry_without_stock"

// Item is one line of an order, with the name and price as they were when
// the customer bought.
type Item struct {
	bun.BaseModel `bun:"table:order_items"`

	ID        string `bun:",pk" json:"-"`
	OrderID   string `json:"-"`
	StoreID   string `json:"-"`
	ProductID string `json:"product_id"`
	Name      string `json:"name"`
	UnitPrice int64  `json:"unit_price"`
	Quantity  int64  `json:"quantity"`
	LineTotal int64  `json:"line_total"`
}

// Insert writes a new order and its items inside tx.
func Insert(ctx context.Context, tx bun.IDB, o *Order, items []Item) error {
	if _, err := tx.NewInsert().Model(o).Exec(ctx); err != nil {
		return err
	}
	_, err := tx.NewInsert().Model(&items).Exec(ctx)
	return err
}

// Get loads one of storeID's orders.
func Get(ctx context.Context, idb bun.IDB, storeID, id string) (*Order, error) {
	o := new(Order)
	err := idb.NewSelect().Model(o).Where("store_id = ?", storeID).Where("id = ?", id).Scan(ctx)
	return o, db.NotFound(err)
}

// GetForCustomer loads an order for the customer holding its token; a wrong
// token looks exactly like a missing order.
func GetForCustomer(ctx context.Context, idb bun.IDB, storeID, id, token string) (*Order, error) {
	o, err := Get(ctx, idb, storeID, id)
	if err != nil {
		return nil, err
	}
	if token == "" || subtle.ConstantTimeCompare([]byte(tokens.Hash(token)), []byte(o.TokenHash)) != 1 {
		return nil, db.ErrNotFound
	}
	return o, nil
}

// List returns storeID's orders, newest first, optionally of one status.
func List(ctx context.Context, idb bun.IDB, storeID, status string, limit int) ([]Order, error) {
	os := []Order{}
	q := idb.NewSelect().Model(&os).Where("store_id = ?", storeID).Order("created_at DESC", "id DESC").Limit(int64(limit))
	if status != "" {
		q = q.Where("status = ?", status)
	}
	return os, q.Scan(ctx)
}

// Items returns an order's lines.
func Items(ctx context.Context, idb bun.IDB, storeID, orderID string) ([]Item, error) {
	items := []Item{}
	err := idb.NewSelect().Model(&items).Where("store_id = ?", storeID).Where("order_id = ?", orderID).Order("id").Scan(ctx)
	return items, err
}

// MarkPaid moves order id from status from (pending, or expired when a
// late payment revives it) to paid with receipt (empty when only an STK
// Query has confirmed the payment so far) and attention (empty unless the
// merchant must act), and returns the order as it now is; nil when the
// order was not in from.
func MarkPaid(ctx context.Context, tx bun.IDB, storeID, id, from, receipt, attention string) (*Order, error) {
	now := db.Now()
	return db.UpdateOne[Order](ctx, tx.NewUpdate().Set("status = ?", StatusPaid).Set("receipt = ?", nullable(receipt)).Set("paid_at = ?", now).
		Set("attention = ?", nullable(attention)).Set("updated_at = ?", now).Set("sequence = sequence + 1").
		Where("store_id = ?", storeID).Where("id = ?", id).Where("status = ?", from))
}

// Expire moves a pending order past its expiry to expired, unless a
// payment attempt is still waiting for the customer: money may be on its
// way. It reports whether it did.
func Expire(ctx context.Context, tx bun.IDB, storeID, id string, now time.Time) (bool, error) {
	res, err := tx.NewUpdate().Model((*Order)(nil)).
		Set("status = ?", StatusExpired).Set("updated_at = ?", now).Set("sequence = sequence + 1").
		Where("store_id = ?", storeID).Where("id = ?", id).Where("status = ?", StatusPending).
		Where("expires_at < ?", now).
		Where("NOT EXISTS (SELECT 1 FROM payment_attempts AS pa WHERE pa.order_id = ?TableAlias.id AND pa.status IN (?))",
			bun.In(liveAttemptStatuses)).
		Exec(ctx)
	if err != nil {
		return false, err
	}
	return db.Affected(res) == 1, nil
}

// liveAttemptStatuses are payment attempt statuses that block expiry. They
// mirror payments' live states; orders cannot import payments (payments
// builds on orders), and the schema's partial index names the same two.
var liveAttemptStatuses = []string{"queued", "prompted"}

// Due lists pending orders past their expiry, oldest first.
func Due(ctx context.Context, idb bun.IDB, now time.Time, limit int) ([]Order, error) {
	os := []Order{}
	err := idb.NewSelect().Model(&os).Column("id", "store_id").
		Where("status = ?", StatusPending).Where("expires_at < ?", now).
		Order("expires_at").Limit(int64(limit)).Scan(ctx)
	return os, err
}

// FillReceipt records the receipt of an order paid before its callback
// came (settled by an STK Query). It never overwrites a receipt.
func FillReceipt(ctx context.Context, tx bun.IDB, storeID, id, receipt string) error {
	_, err := tx.NewUpdate().Model((*Order)(nil)).Set("receipt = ?", receipt).Set("updated_at = ?", db.Now()).
		Where("store_id = ?", storeID).Where("id = ?", id).Where("receipt IS NULL").Exec(ctx)
	return err
}

// Touch bumps an order's sequence for a change that lives elsewhere (a
// payment attempt failed), so webhook receivers can order the updates, and
// returns the order as it now is.
func Touch(ctx context.Context, tx bun.IDB, storeID, id string) (*Order, error) {
	o, err := db.UpdateOne[Order](ctx, tx.NewUpdate().Set("sequence = sequence + 1").Set("updated_at = ?", db.Now()).
		Where("store_id = ?", storeID).Where("id = ?", id))
	if err == nil && o == nil {
		err = db.ErrNotFound
	}
	return o, err
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
