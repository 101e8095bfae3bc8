package orders_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/db/dbtest"
	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/tenants/catalog"
	"github.com/sokohub/sokohub/tenants/orders"
	"github.com/sokohub/sokohub/tenants/stores"
)

type bundle struct {
	db      *bun.DB
	store   *stores.Store
	product *catalog.Product
}

func setup(t *testing.T) *bundle {
	t.Helper()
	d := dbtest.Open(t)
	ctx := context.Background()
	u, _, err := auth.NewService(d).WithCost(bcrypt.MinCost).Signup(ctx, "o@example.com", "password-1", "Owner")
	require.NoError(t, err)
	st, err := stores.Create(ctx, d, u.ID, "duka", "Duka")
	require.NoError(t, err)
	p, err := catalog.Create(ctx, d, st.ID, catalog.NewProduct{Name: "Kikoi", Price: 150000, Stock: 10})
	require.NoError(t, err)
	return &bundle{db: d, store: st, product: p}
}

// order writes an order of status with number n, phone and receipt.
func (b *bundle) order(t *testing.T, n int64, status, phone, receipt string) *orders.Order {
	t.Helper()
	now := db.Now().Add(time.Duration(n) * time.Millisecond)
	o := &orders.Order{ID: db.NewID("ord"), StoreID: b.store.ID, Number: n, Status: status, Total: 150000, Currency: "KES",
		Phone: phone, TokenHash: "h", Receipt: receipt, Sequence: 1, CreatedAt: now, UpdatedAt: now}
	items := []orders.Item{{ID: db.NewID("itm"), OrderID: o.ID, StoreID: b.store.ID, ProductID: b.product.ID, Name: "Kikoi",
		UnitPrice: 150000, Quantity: 1, LineTotal: 150000}}
	require.NoError(t, orders.Insert(context.Background(), b.db, o, items))
	return o
}

func fulfilledEvents(t *testing.T, b *bundle, orderID string) int {
	n, err := b.db.NewSelect().Model((*outbox.Event)(nil)).Where("order_id = ?", orderID).
		Where("type = ?", outbox.OrderFulfilled).Count(context.Background())
	require.NoError(t, err)
	return int(n)
}

func TestMarkFulfilled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("PaidMovesOnceWithItsEvent", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.order(t, 1001, orders.StatusPaid, "254712345678", "QK7Y64F4W2")
		got, err := orders.MarkFulfilled(ctx, b.db, b.store.ID, o.ID)
		require.NoError(t, err)
		require.Equal(t, orders.StatusFulfilled, got.Status)
		require.False(t, got.FulfilledAt.IsZero())
		require.EqualValues(t, 2, got.Sequence)
		require.Equal(t, 1, fulfilledEvents(t, b, o.ID))

		again, err := orders.MarkFulfilled(ctx, b.db, b.store.ID, o.ID)
		require.NoError(t, err)
		require.EqualValues(t, 2, again.Sequence, "a repeat changes nothing")
		require.Equal(t, 1, fulfilledEvents(t, b, o.ID))
	})

	t.Run("UnpaidIsRefusedAndUnchanged", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		for i, status := range []string{orders.StatusPending, orders.StatusExpired, orders.StatusCancelled} {
			o := b.order(t, int64(2000+i), status, "254712345678", "")
			_, err := orders.MarkFulfilled(ctx, b.db, b.store.ID, o.ID)
			require.ErrorIs(t, err, orders.ErrNotFulfillable, status)
			cur, err := orders.Get(ctx, b.db, b.store.ID, o.ID)
			require.NoError(t, err)
			require.Equal(t, status, cur.Status)
			require.Zero(t, fulfilledEvents(t, b, o.ID))
		}
	})

	t.Run("AnotherStoresOrderIsNotFound", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o := b.order(t, 1001, orders.StatusPaid, "254712345678", "R1")
		_, err := orders.MarkFulfilled(ctx, b.db, "sto_other", o.ID)
		require.ErrorIs(t, err, db.ErrNotFound)
	})
}

func TestSearch(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	first := b.order(t, 1001, orders.StatusPaid, "254712345678", "QK7Y64F4W2")
	second := b.order(t, 1002, orders.StatusPending, "254110000111", "")
	third := b.order(t, 1003, orders.StatusPaid, "254722000333", "RA1B2C3D4E")

	ids := func(f orders.Filter) []string {
		os, err := orders.Search(ctx, b.db, b.store.ID, f)
		require.NoError(t, err)
		var out []string
		for _, o := range os {
			out = append(out, o.ID)
		}
		return out
	}
	require.Equal(t, []string{third.ID, second.ID, first.ID}, ids(orders.Filter{}), "newest first")
	require.Equal(t, []string{third.ID, first.ID}, ids(orders.Filter{Status: orders.StatusPaid}))
	for q, want := range map[string]string{
		"1002": second.ID, "#1002": second.ID, "qk7y64f4w2": first.ID, " RA1B2C3D4E ": third.ID,
		"0712 345 678": first.ID, "+254 110 000 111": second.ID, "0333": third.ID, "110000111": second.ID,
	} {
		require.Equal(t, []string{want}, ids(orders.Filter{Query: q}), q)
	}
	require.Empty(t, ids(orders.Filter{Query: "nothing-like-this"}))
	require.Empty(t, ids(orders.Filter{Query: "1001", Status: orders.StatusPending}))
	require.Len(t, ids(orders.Filter{Limit: 2}), 2)
	other, err := orders.Search(ctx, b.db, "sto_other", orders.Filter{})
	require.NoError(t, err)
	require.Empty(t, other)
}
