package orders

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/mpesa"
)

// Snapshot is an order as webhook payloads carry it: complete enough that a
// seller's system needs no second call, with the phone masked.
type Snapshot struct {
	ID       string    `json:"id"`
	Number   int64     `json:"number"`
	Status   string    `json:"status"`
	Total    int64     `json:"total"`
	Currency string    `json:"currency"`
	Items    []Item    `json:"items"`
	Customer Customer  `json:"customer"`
	Receipt  string    `json:"receipt,omitempty"`
	Sequence int64     `json:"sequence"`
	Created  time.Time `json:"created_at"`
	PaidAt   time.Time `json:"paid_at,omitzero"`
	// DeliveryNote is the customer's note for delivery, if any.
	DeliveryNote string    `json:"delivery_note,omitempty"`
	FulfilledAt  time.Time `json:"fulfilled_at,omitzero"`
}

// Customer is who placed the order.
type Customer struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone"`
}

// TakeSnapshot reads order id of storeID as it stands inside tx.
func TakeSnapshot(ctx context.Context, tx bun.IDB, storeID, id string) (*Snapshot, error) {
	o, err := Get(ctx, tx, storeID, id)
	if err != nil {
		return nil, err
	}
	items, err := Items(ctx, tx, storeID, id)
	if err != nil {
		return nil, err
	}
	return SnapshotOf(o, items), nil
}

// SnapshotOf is the snapshot of o with its items, for a caller that has
// just written them and need not read them back.
func SnapshotOf(o *Order, items []Item) *Snapshot {
	return &Snapshot{ID: o.ID, Number: o.Number, Status: o.Status, Total: o.Total, Currency: o.Currency, Items: items,
		Customer: Customer{Name: o.CustomerName, Email: o.CustomerEmail, Phone: mpesa.MaskPhone(o.Phone)},
		Receipt:  o.Receipt, Sequence: o.Sequence, Created: o.CreatedAt, PaidAt: o.PaidAt,
		DeliveryNote: o.DeliveryNote, FulfilledAt: o.FulfilledAt}
}
