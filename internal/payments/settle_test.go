package payments

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/db/dbtest"
	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/internal/queue/queuetest"
	"github.com/sokohub/sokohub/internal/tokens"
	"github.com/sokohub/sokohub/tenants/orders"
)

type bundle struct {
	db  *bun.DB
	svc *Service
	ctx context.Context
}

func setup(t *testing.T) *bundle {
	t.Helper()
	d := dbtest.Open(t)
	svc := NewService(Config{DB: d, Queue: &queuetest.Recorder{}, PublicURL: "http://127.0.0.1", Tokens: tokens.NewDeriver([]byte("k")),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return &bundle{db: d, svc: svc, ctx: context.Background()}
}

// newOrder writes a store, a pending order of KES 100 and a queued attempt.
func (b *bundle) newOrder(t *testing.T) (*orders.Order, *Attempt) {
	t.Helper()
	now := db.Now()
	sid, uid, oid := db.NewID("sto"), db.NewID("usr"), db.NewID("ord")
	exec := func(q string, args ...any) {
		_, err := b.db.ExecContext(b.ctx, q, args...)
		require.NoError(t, err)
	}
	exec(`INSERT INTO users (id,email,name,password_hash,created_at) VALUES (?,?,'A','x',?)`, uid, uid+"@x", now)
	exec(`INSERT INTO stores (id,slug,name,owner_id,status,currency,order_seq,created_at) VALUES (?,?,'S',?,'active','KES',0,?)`, sid, sid, uid, now)
	o := &orders.Order{ID: oid, StoreID: sid, Number: 1001, Status: orders.StatusPending, Total: 10000, Currency: "KES",
		Phone: "254712345678", TokenHash: "h", Sequence: 1, CreatedAt: now, UpdatedAt: now}
	_, err := b.db.NewInsert().Model(o).Exec(b.ctx)
	require.NoError(t, err)
	a, err := b.svc.Start(b.ctx, b.db, sid, oid, o.Phone, o.Total, "KES")
	require.NoError(t, err)
	return o, a
}

func (b *bundle) apply(t *testing.T, a *Attempt, r result) string {
	t.Helper()
	var outcome string
	require.NoError(t, db.RunInTx(b.ctx, b.db, func(ctx context.Context, tx bun.IDB) error {
		var err error
		outcome, err = b.svc.settle(ctx, tx, a, r)
		return err
	}))
	return outcome
}

func (b *bundle) state(t *testing.T, o *orders.Order, a *Attempt) (string, *Attempt) {
	t.Helper()
	cur, err := orders.Get(b.ctx, b.db, o.StoreID, o.ID)
	require.NoError(t, err)
	at, err := get(b.ctx, b.db, a.ID)
	require.NoError(t, err)
	return cur.Status, at
}

func (b *bundle) events(t *testing.T, o *orders.Order, typ string) int64 {
	t.Helper()
	n, err := b.db.NewSelect().Model((*outbox.Event)(nil)).Where("order_id = ?", o.ID).Where("type = ?", typ).Count(b.ctx)
	require.NoError(t, err)
	return n
}

var paid = result{Code: "0", Desc: "ok", Receipt: "QK11111111", AmountCents: 10000, HasAmount: true, Source: "callback"}

func TestSettle(t *testing.T) {
	t.Parallel()

	t.Run("SuccessPaysOnceAndDuplicatesChangeNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o, a := b.newOrder(t)
		require.Equal(t, "paid", b.apply(t, a, paid))
		require.Equal(t, "duplicate", b.apply(t, a, paid))
		status, at := b.state(t, o, a)
		require.Equal(t, orders.StatusPaid, status)
		require.Equal(t, StatusSucceeded, at.Status)
		require.Equal(t, "QK11111111", at.Receipt)
		require.EqualValues(t, 1, b.events(t, o, outbox.OrderPaid))
	})

	t.Run("QueryPaysAndTheLateCallbackOnlyFillsTheReceipt", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o, a := b.newOrder(t)
		require.Equal(t, "paid", b.apply(t, a, result{Code: "0", Source: "query"}))
		status, at := b.state(t, o, a)
		require.Equal(t, orders.StatusPaid, status)
		require.Empty(t, at.Receipt)
		require.Equal(t, "receipt_filled", b.apply(t, a, paid))
		cur, err := orders.Get(b.ctx, b.db, o.StoreID, o.ID)
		require.NoError(t, err)
		require.Equal(t, "QK11111111", cur.Receipt)
		require.EqualValues(t, 1, b.events(t, o, outbox.OrderPaid))
	})

	t.Run("FailureLeavesTheOrderPendingAndALateDuplicateIsANoop", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o, a := b.newOrder(t)
		require.Equal(t, StatusFailed, b.apply(t, a, result{Code: "1032", Source: "callback"}))
		require.Equal(t, "duplicate", b.apply(t, a, result{Code: "1032", Source: "query"}))
		status, at := b.state(t, o, a)
		require.Equal(t, orders.StatusPending, status)
		require.Equal(t, StatusFailed, at.Status)
		require.NotEmpty(t, at.FailureReason)
		require.EqualValues(t, 1, b.events(t, o, outbox.OrderPaymentFailed))
	})

	t.Run("MoneyThatMovedAfterAFailureStillPays", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o, a := b.newOrder(t)
		require.Equal(t, StatusTimedOut, b.apply(t, a, result{Code: "1037", Source: "callback"}))
		require.Equal(t, "paid", b.apply(t, a, paid))
		status, _ := b.state(t, o, a)
		require.Equal(t, orders.StatusPaid, status)
	})

	t.Run("SuccessWithoutReceiptOrWithAnotherAmountPaysNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o, a := b.newOrder(t)
		require.Equal(t, "success_without_receipt", b.apply(t, a, result{Code: "0", Source: "callback"}))
		short := paid
		short.AmountCents = 100
		require.Equal(t, "amount_mismatch", b.apply(t, a, short))
		status, at := b.state(t, o, a)
		require.Equal(t, orders.StatusPending, status)
		require.Equal(t, StatusQueued, at.Status)
		require.EqualValues(t, 1, b.events(t, o, outbox.PaymentUnmatched))
	})

	t.Run("UnknownAndPendingCodesResolveNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o, a := b.newOrder(t)
		require.Equal(t, "unknown_result_code", b.apply(t, a, result{Code: "7777", Source: "callback"}))
		require.Equal(t, "pending", b.apply(t, a, result{Code: "4999", Source: "query"}))
		status, at := b.state(t, o, a)
		require.Equal(t, orders.StatusPending, status)
		require.True(t, at.Live())
	})

	t.Run("SecondSuccessfulAttemptIsAnOverpayment", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o, a := b.newOrder(t)
		require.Equal(t, StatusFailed, b.apply(t, a, result{Code: "1", Source: "callback"}))
		a2, err := b.svc.Start(b.ctx, b.db, o.StoreID, o.ID, o.Phone, o.Total, "KES")
		require.NoError(t, err)
		require.Equal(t, "paid", b.apply(t, a2, paid))
		second := paid
		second.Receipt = "QK22222222"
		require.Equal(t, "overpaid", b.apply(t, a, second), "the first attempt's money arrived after all")
		require.EqualValues(t, 1, b.events(t, o, outbox.OrderPaid))
		require.EqualValues(t, 1, b.events(t, o, outbox.PaymentOverpaid))
	})

	t.Run("OneLiveAttemptPerOrder", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		o, _ := b.newOrder(t)
		_, err := b.svc.Start(b.ctx, b.db, o.StoreID, o.ID, o.Phone, o.Total, "KES")
		require.ErrorIs(t, err, ErrAttemptLive)
	})
}

func TestAccountReference(t *testing.T) {
	t.Parallel()
	for slug, want := range map[string]string{"demo": "DEMO-1001", "mama-mboga-kawangware": "MAMA-MB-1001", "ab-cdefghij": "AB-CDEF-1001",
		"abcdef-hij": "ABCDEF-1001"} {
		require.Equal(t, want, AccountReference(slug, 1001), slug)
		require.LessOrEqual(t, len(AccountReference(slug, 1001)), 12)
	}
}

// TestEveryResultCode applies each result code of the reference, from a
// callback and from a query, to a fresh prompted attempt: only 0 pays,
// 1037 times out, unknown and pending codes change nothing, every failure
// tells the customer why in words.
func TestEveryResultCode(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for code, want := range map[string]struct{ attempt, order string }{
		"0":          {StatusSucceeded, orders.StatusPaid},
		"1":          {StatusFailed, orders.StatusPending},
		"2":          {StatusFailed, orders.StatusPending},
		"3":          {StatusFailed, orders.StatusPending},
		"4":          {StatusFailed, orders.StatusPending},
		"8":          {StatusFailed, orders.StatusPending},
		"17":         {StatusFailed, orders.StatusPending},
		"26":         {StatusFailed, orders.StatusPending},
		"1001":       {StatusFailed, orders.StatusPending},
		"1019":       {StatusFailed, orders.StatusPending},
		"1025":       {StatusFailed, orders.StatusPending},
		"9999":       {StatusFailed, orders.StatusPending},
		"1032":       {StatusFailed, orders.StatusPending},
		"1036":       {StatusFailed, orders.StatusPending},
		"1037":       {StatusTimedOut, orders.StatusPending},
		"2001":       {StatusFailed, orders.StatusPending},
		"2028":       {StatusFailed, orders.StatusPending},
		"8006":       {StatusFailed, orders.StatusPending},
		"SFC_IC0003": {StatusFailed, orders.StatusPending},
		"4999":       {StatusPrompted, orders.StatusPending},
		"12345":      {StatusPrompted, orders.StatusPending},
		"":           {StatusPrompted, orders.StatusPending},
	} {
		for _, source := range []string{"callback", "query"} {
			o, a := b.newOrder(t)
			_, err := b.db.NewUpdate().Model((*Attempt)(nil)).Set("status = ?", StatusPrompted).Where("id = ?", a.ID).Exec(b.ctx)
			require.NoError(t, err)
			r := result{Code: code, Source: source}
			if code == "0" && source == "callback" {
				r = paid
				r.Receipt = "QK" + source[:1] + "0000000"
			}
			b.apply(t, a, r)
			status, at := b.state(t, o, a)
			require.Equal(t, want.attempt, at.Status, "code %q from %s", code, source)
			require.Equal(t, want.order, status, "code %q from %s", code, source)
			if want.attempt == StatusFailed || want.attempt == StatusTimedOut {
				require.NotEmpty(t, at.FailureReason, "code %q: the customer is told why", code)
				require.NotContains(t, at.FailureReason, code, "code %q: in words, not codes", code)
			}
		}
	}
}

// TestIllegalTransitions: a settled attempt never moves backwards.
func TestIllegalTransitions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	o, a := b.newOrder(t)
	require.Equal(t, "paid", b.apply(t, a, paid))
	for _, code := range []string{"1032", "1", "1037", "2001", "SFC_IC0003"} {
		require.Equal(t, "duplicate", b.apply(t, a, result{Code: code, Source: "callback"}), code)
	}
	status, at := b.state(t, o, a)
	require.Equal(t, orders.StatusPaid, status, "a failure after success changes nothing")
	require.Equal(t, StatusSucceeded, at.Status)
	require.Empty(t, at.FailureReason)
}

// TestMismatchedMoneyCannotPayTwice: a wrong-amount callback opens an
// issue; when the STK Query then confirms the prompt's own payment, that
// issue's money can no longer pay another order.
func TestMismatchedMoneyCannotPayTwice(t *testing.T) {
	t.Parallel()
	b := setup(t)
	o, a := b.newOrder(t)
	short := paid
	short.AmountCents = 5000
	require.Equal(t, IssueAmountMismatch, b.apply(t, a, short))
	require.Equal(t, "paid", b.apply(t, a, result{Code: "0", Source: "query"}))
	now := db.Now()
	other := &orders.Order{ID: db.NewID("ord"), StoreID: o.StoreID, Number: 1002, Status: orders.StatusPending, Total: 5000,
		Currency: "KES", Phone: o.Phone, TokenHash: "h2", Sequence: 1, CreatedAt: now, UpdatedAt: now}
	_, err := b.db.NewInsert().Model(other).Exec(b.ctx)
	require.NoError(t, err)
	is, err := Issues(b.ctx, b.db, o.StoreID, IssueOpen)
	require.NoError(t, err)
	require.Len(t, is, 1)
	_, err = b.svc.Resolve(b.ctx, o.StoreID, is[0].ID, ResolveMatch, other.ID)
	require.ErrorContains(t, err, "already paid its own order")
	cur, err := orders.Get(b.ctx, b.db, o.StoreID, other.ID)
	require.NoError(t, err)
	require.Equal(t, orders.StatusPending, cur.Status)
}

func TestSuccessCallbackWithoutAmountIsQuarantined(t *testing.T) {
	t.Parallel()
	b := setup(t)
	o, a := b.newOrder(t)
	noAmount := paid
	noAmount.HasAmount = false
	require.Equal(t, "success_without_amount", b.apply(t, a, noAmount))
	status, _ := b.state(t, o, a)
	require.Equal(t, orders.StatusPending, status)
}

// TestAPushGoesOutAtMostOnce: a claimed push is never claimed again, even
// long after (the worker may have died after sending it); the sweeper frees
// the customer instead, and a late callback still pays.
func TestAPushGoesOutAtMostOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	o, a := b.newOrder(t)
	_, ok, err := b.svc.claimPush(b.ctx, a.ID)
	require.NoError(t, err)
	require.True(t, ok)
	old := db.Now().Add(-UnconfirmedPush - time.Minute)
	_, err = b.db.NewUpdate().Model((*Attempt)(nil)).Set("push_started_at = ?", old).Where("id = ?", a.ID).Exec(b.ctx)
	require.NoError(t, err)
	_, ok, err = b.svc.claimPush(b.ctx, a.ID)
	require.NoError(t, err)
	require.False(t, ok, "never pushed twice")

	require.NoError(t, b.svc.releaseUnconfirmed(b.ctx, db.Now()))
	status, at := b.state(t, o, a)
	require.Equal(t, StatusRejected, at.Status)
	require.Equal(t, unconfirmedReason, at.FailureReason)
	require.Equal(t, orders.StatusPending, status, "the customer may try again")

	require.Equal(t, "paid", b.apply(t, a, paid), "the first prompt's money, if it moved, still pays")
}
