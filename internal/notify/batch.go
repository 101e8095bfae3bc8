package notify

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/internal/payments"
	"github.com/sokohub/sokohub/tenants/orders"
	"github.com/sokohub/sokohub/tenants/stores"
)

// batch is what the messages of a relay batch need, read once for all its
// events: a sale-day batch of a hundred events is a handful of statements
// instead of six per event (that is what let the relay fall behind).
type batch struct {
	stores   map[string]*storeRow
	orders   map[string]*orders.Order
	attempts map[string]*payments.Attempt
}

// notifies reports whether events of type typ send messages.
func notifies(typ string) bool {
	switch typ {
	case outbox.OrderPaid, outbox.OrderPaymentFailed, outbox.PaymentOverpaid, outbox.PaymentUnmatched,
		outbox.EndpointPaused, outbox.EndpointDisabled:
		return true
	}
	return false
}

// composers parses the events of es that send messages and reads what
// their messages need, in one statement per table.
func (s *Service) composers(ctx context.Context, tx bun.IDB, es []outbox.Event) ([]*composer, error) {
	var cs []*composer
	var storeIDs, orderIDs, attemptIDs []string
	for i := range es {
		e := &es[i]
		if !notifies(e.Type) {
			continue
		}
		var env struct{ Data eventData }
		if err := json.Unmarshal([]byte(e.Payload), &env); err != nil {
			return nil, fmt.Errorf("event %s: %w", e.ID, err)
		}
		cs = append(cs, &composer{s: s, e: e, d: env.Data})
		storeIDs = append(storeIDs, e.StoreID)
		if e.OrderID != "" {
			orderIDs = append(orderIDs, e.OrderID)
		}
		if env.Data.Payment.ID != "" {
			attemptIDs = append(attemptIDs, env.Data.Payment.ID)
		}
	}
	if len(cs) == 0 {
		return nil, nil
	}
	b, err := readBatch(ctx, tx, storeIDs, orderIDs, attemptIDs)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if err := c.bind(b); err != nil {
			return nil, err
		}
	}
	return cs, nil
}

// readBatch loads the stores (with their sender names and owners' emails,
// in one read), orders and payment attempts a batch names.
func readBatch(ctx context.Context, tx bun.IDB, storeIDs, orderIDs, attemptIDs []string) (*batch, error) {
	b := &batch{stores: map[string]*storeRow{}}
	var rows []storeRow
	err := tx.NewSelect().Model(&rows).ColumnExpr("?TableColumns").
		ColumnExpr("COALESCE(ns.sms_sender_id, '') AS sms_sender_id, COALESCE(ns.email_from_name, '') AS email_from_name").
		ColumnExpr("COALESCE(u.email, '') AS owner_email").
		Join("LEFT JOIN notification_settings AS ns ON ns.store_id = ?TableAlias.id").
		Join("LEFT JOIN users AS u ON u.id = ?TableAlias.owner_id").
		Where("?TableAlias.id IN (?)", bun.In(storeIDs)).Scan(ctx)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		b.stores[rows[i].ID] = &rows[i]
	}
	if b.orders, err = byID(ctx, tx, orderIDs, func(o *orders.Order) string { return o.ID }); err != nil {
		return nil, err
	}
	b.attempts, err = byID(ctx, tx, attemptIDs, func(a *payments.Attempt) string { return a.ID })
	return b, err
}

// storeRow is a store with its sender names and its owner's email.
type storeRow struct {
	stores.Store  `bun:",extend"`
	SMSSenderID   string `bun:",scanonly"`
	EmailFromName string `bun:",scanonly"`
	OwnerEmail    string `bun:",scanonly"`
}

// byID reads the rows of T whose id is one of ids, keyed by key (their id).
func byID[T any](ctx context.Context, tx bun.IDB, ids []string, key func(*T) string) (map[string]*T, error) {
	out := map[string]*T{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []T
	if err := tx.NewSelect().Model(&rows).Where("id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, err
	}
	for i := range rows {
		out[key(&rows[i])] = &rows[i]
	}
	return out, nil
}

// bind gives c what its messages need from b. Rows are matched on the
// event's store as well as their id: an event never reads another
// store's order or payment.
func (c *composer) bind(b *batch) error {
	e := c.e
	st := b.stores[e.StoreID]
	if st == nil {
		return fmt.Errorf("event %s: store %s: %w", e.ID, e.StoreID, db.ErrNotFound)
	}
	c.store = &st.Store
	c.settings = &Settings{StoreID: st.ID, SMSSenderID: st.SMSSenderID, EmailFromName: st.EmailFromName}
	// The seller's emails go where the store says, else to its owner.
	if c.sellerEmail = cmp.Or(st.Prefs().Email, st.OwnerEmail); c.sellerEmail == "" {
		return fmt.Errorf("event %s: owner of store %s: %w", e.ID, e.StoreID, db.ErrNotFound)
	}
	if o := b.orders[e.OrderID]; o != nil && o.StoreID == e.StoreID {
		c.order = o
	} else if c.needsOrder() {
		return fmt.Errorf("event %s: order %q: %w", e.ID, e.OrderID, db.ErrNotFound)
	}
	// The customer may have paid from another phone than the order's first
	// one (a retry): tell the phone that paid or was prompted.
	if a := b.attempts[c.d.Payment.ID]; a != nil && a.StoreID == e.StoreID {
		c.phone = a.Phone
	}
	return nil
}
