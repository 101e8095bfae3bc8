package checkout

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/tenants/catalog"
	"github.com/sokohub/sokohub/tenants/orders"
)

// ExpireDue expires pending orders past their store's time limit and puts
// their stock back, each in its own transaction with order.expired. An
// order whose attempt is still live is left alone: expiry waits for the
// customer's answer.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	due, err := orders.Due(ctx, s.db, db.Now(), 500)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, o := range due {
		err := db.RunInTx(ctx, s.db, func(ctx context.Context, tx bun.IDB) error {
			ok, err := orders.Expire(ctx, tx, o.StoreID, o.ID, db.Now())
			if err != nil || !ok {
				return err
			}
			n++
			return releaseStock(ctx, tx, o.StoreID, o.ID)
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func releaseStock(ctx context.Context, tx bun.IDB, storeID, orderID string) error {
	items, err := orders.Items(ctx, tx, storeID, orderID)
	if err != nil {
		return err
	}
	for _, it := range items {
		if err := catalog.Release(ctx, tx, storeID, it.ProductID, it.Quantity); err != nil {
			return err
		}
	}
	snap, err := orders.TakeSnapshot(ctx, tx, storeID, orderID)
	if err != nil {
		return err
	}
	_, err = outbox.Record(ctx, tx, storeID, outbox.OrderExpired, orderID, map[string]any{"order": snap})
	return err
}
