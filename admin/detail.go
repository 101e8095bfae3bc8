package admin

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/payments"
	"github.com/sokohub/sokohub/internal/webhooks"
	"github.com/sokohub/sokohub/tenants/orders"
	"github.com/sokohub/sokohub/tenants/stores"
)

// detailRows is how many of each kind a store's page shows.
const detailRows = 20

// Detail is a store's page: the summary and its recent activity.
type Detail struct {
	Store      *Summary                  `json:"store"`
	Members    []Member                  `json:"members"`
	Orders     []orders.Order            `json:"orders"`
	Attempts   []payments.Attempt        `json:"attempts"`
	Callbacks  []Callback                `json:"callbacks"`
	Deliveries []webhooks.LoggedDelivery `json:"deliveries"`
	History    []StatusChange            `json:"status_history"`
}

// Callback is a received Daraja callback as the console lists it; the raw
// body stays in the inbox.
type Callback struct {
	ID          string    `json:"id"`
	ReceivedAt  time.Time `json:"received_at"`
	ProcessedAt time.Time `bun:",nullzero" json:"processed_at,omitzero"`
	Outcome     string    `bun:",nullzero" json:"outcome"`
	AttemptID   string    `bun:",nullzero" json:"attempt_id"`
	RemoteAddr  string    `json:"remote_addr"`
}

// StoreDetail loads st's page.
func StoreDetail(ctx context.Context, idb bun.IDB, st *stores.Store) (*Detail, error) {
	sum, err := Summarise(ctx, idb, st)
	if err != nil {
		return nil, err
	}
	d := &Detail{Store: sum, Attempts: []payments.Attempt{}, Callbacks: []Callback{}, History: []StatusChange{}}
	if d.Members, err = Members(ctx, idb, st.ID); err != nil {
		return nil, err
	}
	if d.Orders, err = orders.List(ctx, idb, st.ID, "", detailRows); err != nil {
		return nil, err
	}
	if err := idb.NewSelect().Model(&d.Attempts).Where("store_id = ?", st.ID).Order("created_at DESC").Limit(detailRows).Scan(ctx); err != nil {
		return nil, err
	}
	if err := idb.NewSelect().TableExpr("callbacks").Column("id", "received_at", "processed_at", "outcome", "attempt_id", "remote_addr").
		Where("store_id = ?", st.ID).Order("received_at DESC").Limit(detailRows).Scan(ctx, &d.Callbacks); err != nil {
		return nil, err
	}
	if d.Deliveries, err = webhooks.ListDeliveries(ctx, idb, webhooks.DeliveryFilter{StoreID: st.ID, Limit: detailRows}); err != nil {
		return nil, err
	}
	err = idb.NewSelect().Model(&d.History).Where("store_id = ?", st.ID).Order("at DESC").Limit(detailRows).Scan(ctx)
	return d, err
}
