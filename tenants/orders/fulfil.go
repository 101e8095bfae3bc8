package orders

import (
	"context"
	"errors"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/outbox"
)

// ErrNotFulfillable is returned when an order that is not paid is marked
// fulfilled: only money received makes goods go out.
var ErrNotFulfillable = errors.New("orders: only a paid order can be marked fulfilled")

// MarkFulfilled moves paid order id of storeID to fulfilled and records
// order.fulfilled, in one transaction. Marking it twice is a no-op that
// returns the order as it is; any other status is ErrNotFulfillable.
func MarkFulfilled(ctx context.Context, idb bun.IDB, storeID, id string) (*Order, error) {
	var o *Order
	err := db.RunInTx(ctx, idb, func(ctx context.Context, tx bun.IDB) error {
		now := db.Now()
		res, err := tx.NewUpdate().Model((*Order)(nil)).
			Set("status = ?", StatusFulfilled).Set("fulfilled_at = ?", now).Set("updated_at = ?", now).
			Set("sequence = sequence + 1").
			Where("store_id = ?", storeID).Where("id = ?", id).Where("status = ?", StatusPaid).Exec(ctx)
		if err != nil {
			return err
		}
		if db.Affected(res) == 0 {
			cur, err := Get(ctx, tx, storeID, id)
			switch {
			case err != nil:
				return err
			case cur.Status != StatusFulfilled:
				return ErrNotFulfillable
			}
			o = cur
			return nil
		}
		snap, err := TakeSnapshot(ctx, tx, storeID, id)
		if err != nil {
			return err
		}
		if _, err := outbox.Record(ctx, tx, storeID, outbox.OrderFulfilled, id, map[string]any{"order": snap}); err != nil {
			return err
		}
		o, err = Get(ctx, tx, storeID, id)
		return err
	})
	return o, err
}
