package orders

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// ChangeCursor is a position in a store's orders ordered by when they last
// changed: (UpdatedAt, ID), so orders changed in the same microsecond keep
// a stable order and none is skipped or repeated between pages.
type ChangeCursor struct {
	UpdatedAt time.Time
	ID        string
}

// Changed returns up to limit of storeID's orders that changed after cur,
// oldest change first, leaving out changes made after settledBefore (a
// transaction still committing could otherwise land behind a reader's
// cursor).
func Changed(ctx context.Context, idb bun.IDB, storeID string, cur ChangeCursor, limit int, settledBefore time.Time) ([]Order, error) {
	os := []Order{}
	at := cur.UpdatedAt.UTC()
	err := idb.NewSelect().Model(&os).Where("store_id = ?", storeID).
		Where("(updated_at > ? OR (updated_at = ? AND id > ?))", at, at, cur.ID).
		Where("updated_at <= ?", settledBefore.UTC()).
		Order("updated_at", "id").Limit(int64(limit)).Scan(ctx)
	return os, err
}

// ItemsOf returns the lines of several of storeID's orders, by order id.
func ItemsOf(ctx context.Context, idb bun.IDB, storeID string, orderIDs []string) (map[string][]Item, error) {
	out := make(map[string][]Item, len(orderIDs))
	if len(orderIDs) == 0 {
		return out, nil
	}
	var items []Item
	err := idb.NewSelect().Model(&items).Where("store_id = ?", storeID).Where("order_id IN (?)", bun.In(orderIDs)).
		Order("order_id", "id").Scan(ctx)
	for _, it := range items {
		out[it.OrderID] = append(out[it.OrderID], it)
	}
	return out, err
}
