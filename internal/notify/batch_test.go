package notify

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/tenants/orders"
	"github.com/sokohub/sokohub/tenants/stores"
)

// statements counts the queries run through a bun.DB.
type statements struct{ n atomic.Int64 }

func (s *statements) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	s.n.Add(1)
	return ctx
}

func (s *statements) AfterQuery(context.Context, *bun.QueryEvent) {}

// paidEvents records an order.paid event for each order.
func paidEvents(t *testing.T, d *bun.DB, os ...*orders.Order) []outbox.Event {
	t.Helper()
	var es []outbox.Event
	for _, o := range os {
		e, err := outbox.Record(t.Context(), d, o.StoreID, outbox.OrderPaid, o.ID,
			map[string]any{"payment": map[string]any{"receipt": "RCPT" + o.ID[len(o.ID)-6:]}})
		require.NoError(t, err)
		es = append(es, *e)
	}
	return es
}

// fanoutBatch runs Fanout over es in one transaction and returns the
// messages it wrote and the statements it took.
func (b *bundle) fanoutBatch(t *testing.T, es []outbox.Event) ([]Notification, int64) {
	t.Helper()
	ctx := t.Context()
	count := &statements{}
	b.db.AddQueryHook(count)
	var jobs int
	err := db.RunInTx(ctx, b.db, func(ctx context.Context, tx bun.IDB) error {
		js, err := b.svc.Fanout(ctx, tx, es)
		jobs = len(js)
		return err
	})
	b.db.ResetQueryHooks()
	require.NoError(t, err)
	ids := make([]string, len(es))
	for i := range es {
		ids[i] = es[i].ID
	}
	var ns []Notification
	require.NoError(t, b.db.NewSelect().Model(&ns).Where("event_id IN (?)", bun.In(ids)).Scan(ctx))
	events := map[string]bool{}
	for _, n := range ns {
		events[n.EventID] = true
	}
	require.Equal(t, len(events), jobs, "one send job per event with messages")
	return ns, count.n.Load()
}

// A batch of events from many stores is composed from one read per table:
// the statements do not grow with the batch, and every message is the one
// its own store's event asks for.
func TestFanoutReadsABatchOnce(t *testing.T) {
	t.Parallel()
	b := setupService(t)
	var os []*orders.Order
	var ss []*stores.Store
	for i := range 12 {
		st, o := newStore(t, b.db, fmt.Sprintf("duka-%d", i), fmt.Sprintf("Duka %d", i), fmt.Sprintf("owner%d@example.com", i))
		o.Phone = fmt.Sprintf("2547120000%02d", i)
		_, err := b.db.NewUpdate().Model(o).Column("phone").WherePK().Exec(t.Context())
		require.NoError(t, err)
		os, ss = append(os, o), append(ss, st)
	}
	_, few := b.fanoutBatch(t, paidEvents(t, b.db, os[:2]...))
	es := paidEvents(t, b.db, os[2:]...)
	created, err := outbox.Record(t.Context(), b.db, os[2].StoreID, outbox.OrderCreated, os[2].ID, map[string]any{})
	require.NoError(t, err)
	ns, many := b.fanoutBatch(t, append(es, *created))
	require.Equal(t, few, many, "statements per batch, not per event")
	// BEGIN, stores (with sender names and owners), orders, the insert, COMMIT.
	require.LessOrEqual(t, many, int64(5))

	require.Equal(t, 3*10, len(ns), "an SMS and an email to each paying customer, an email to each seller")
	byEvent := map[string][]Notification{}
	for _, n := range ns {
		byEvent[n.EventID] = append(byEvent[n.EventID], n)
	}
	for i, e := range es {
		o, st := os[i+2], ss[i+2]
		for _, n := range byEvent[e.ID] {
			require.Equal(t, st.ID, n.StoreID)
			require.Equal(t, o.ID, n.OrderID)
			require.Contains(t, n.Body, st.Name)
			require.Contains(t, n.Body, "RCPT"+o.ID[len(o.ID)-6:])
			switch {
			case n.Kind == KindSellerNewOrder:
				require.Equal(t, fmt.Sprintf("owner%d@example.com", i+2), n.Recipient)
			case n.Channel == ChannelSMS:
				require.Equal(t, o.Phone, n.Recipient)
			}
		}
	}
	require.Empty(t, byEvent[created.ID], "order.created sends nothing")
}

// An event that names another store's order composes nothing from it: the
// batch fails (and the relay sets that event aside) instead of telling
// one store's customer about another store's order.
func TestFanoutRefusesAnotherStoresOrder(t *testing.T) {
	t.Parallel()
	b := setupService(t)
	_, theirs := newStore(t, b.db, "jirani", "Jirani", "jirani@example.com")
	e, err := outbox.Record(t.Context(), b.db, b.store.ID, outbox.OrderPaid, theirs.ID, map[string]any{})
	require.NoError(t, err)
	err = db.RunInTx(t.Context(), b.db, func(ctx context.Context, tx bun.IDB) error {
		_, err := b.svc.Fanout(ctx, tx, []outbox.Event{*e})
		return err
	})
	require.ErrorIs(t, err, db.ErrNotFound)
	require.True(t, strings.Contains(err.Error(), theirs.ID))
	n, err := b.db.NewSelect().Model((*Notification)(nil)).Count(t.Context())
	require.NoError(t, err)
	require.Zero(t, n)
}

// An order event that names no order is refused (and set aside by the
// relay), not composed around a missing order.
func TestFanoutRefusesAnOrderEventWithoutOrder(t *testing.T) {
	t.Parallel()
	b := setupService(t)
	e, err := outbox.Record(t.Context(), b.db, b.store.ID, outbox.PaymentOverpaid, "", map[string]any{})
	require.NoError(t, err)
	err = db.RunInTx(t.Context(), b.db, func(ctx context.Context, tx bun.IDB) error {
		_, err := b.svc.Fanout(ctx, tx, []outbox.Event{*e})
		return err
	})
	require.ErrorIs(t, err, db.ErrNotFound)
}

// A column added to stores ahead of the code that knows it (a migration
// run before a rolling deploy) does not stop the messages.
func TestFanoutReadsOnlyTheColumnsItKnows(t *testing.T) {
	t.Parallel()
	b := setupService(t)
	_, err := b.db.ExecContext(t.Context(), "ALTER TABLE stores ADD COLUMN future_col TEXT")
	require.NoError(t, err)
	ns, _ := b.fanoutBatch(t, paidEvents(t, b.db, b.order))
	require.Len(t, ns, 3)
}
