package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/db/dbtest"
	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/internal/queue"
	"github.com/sokohub/sokohub/internal/queue/queuetest"
	"github.com/sokohub/sokohub/internal/tokens"
	"github.com/sokohub/sokohub/tenants/orders"
	"github.com/sokohub/sokohub/tenants/stores"
)

// scriptedProvider fails with err (nil: succeeds) and records what it got;
// an event's messages are sent at once.
type scriptedProvider struct {
	mu   sync.Mutex
	err  error
	sent []*Notification
}

func (p *scriptedProvider) Name() string { return "scripted" }

func (p *scriptedProvider) Send(_ context.Context, n *Notification) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, n)
	if p.err != nil {
		return "", p.err
	}
	return "ref-" + n.ID, nil
}

type bundle struct {
	db    *bun.DB
	svc   *Service
	sms   *scriptedProvider
	email *scriptedProvider
	store *stores.Store
	order *orders.Order
}

func setupService(t *testing.T) *bundle {
	t.Helper()
	d := dbtest.Open(t)
	b := &bundle{db: d, sms: &scriptedProvider{}, email: &scriptedProvider{}}
	b.svc = NewService(Config{DB: d, SMS: b.sms, Email: b.email, PublicURL: "https://soko.example",
		Tokens: tokens.NewDeriver(make([]byte, 32))})
	b.store, b.order = newStore(t, d, "kiosk", "Achieng's Kiosk", "achieng@example.com")
	return b
}

// newStore opens store slug, owned by a new user with email, with a paid
// order.
func newStore(t *testing.T, d *bun.DB, slug, name, email string) (*stores.Store, *orders.Order) {
	t.Helper()
	ctx := t.Context()
	ownerID := db.NewID("usr")
	_, err := d.ExecContext(ctx, "INSERT INTO users (id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
		ownerID, email, "Owner of "+name, "x", db.Now())
	require.NoError(t, err)
	store, err := stores.Create(ctx, d, ownerID, slug, name)
	require.NoError(t, err)
	now := db.Now()
	order := &orders.Order{ID: db.NewID("ord"), StoreID: store.ID, Number: 1001, Status: orders.StatusPaid, Total: 300000,
		Currency: "KES", Phone: "254712345678", CustomerName: "Otieno", CustomerEmail: "otieno@example.com", TokenHash: "x",
		Receipt: "QK7Y64F4W2", Sequence: 2, CreatedAt: now, UpdatedAt: now, PaidAt: now}
	_, err = d.NewInsert().Model(order).Exec(ctx)
	require.NoError(t, err)
	return store, order
}

// fanout records an event of typ with data and runs the relay's fanout.
func (b *bundle) fanout(t *testing.T, typ, orderID string, data map[string]any) []*Notification {
	t.Helper()
	ctx := t.Context()
	if orderID != "" {
		snap, err := orders.TakeSnapshot(ctx, b.db, b.store.ID, orderID)
		require.NoError(t, err)
		data["order"] = snap
	}
	e, err := outbox.Record(ctx, b.db, b.store.ID, typ, orderID, data)
	require.NoError(t, err)
	var ns []*Notification
	require.NoError(t, db.RunInTx(ctx, b.db, func(ctx context.Context, tx bun.IDB) error {
		jobs, err := b.svc.Fanout(ctx, tx, []outbox.Event{*e})
		for _, j := range jobs {
			require.Equal(t, queue.Job{Type: queue.TypeNotifyEvent, ID: e.ID, StoreID: e.StoreID}, j, "one send task for the event's messages")
			var rows []*Notification
			require.NoError(t, tx.NewSelect().Model(&rows).Where("event_id = ?", j.ID).Scan(ctx))
			ns = append(ns, rows...)
		}
		return err
	}))
	// A second relay of the same event writes nothing new.
	require.NoError(t, db.RunInTx(ctx, b.db, func(ctx context.Context, tx bun.IDB) error {
		jobs, err := b.svc.Fanout(ctx, tx, []outbox.Event{*e})
		require.Empty(t, jobs)
		return err
	}))
	return ns
}

func find(t *testing.T, ns []*Notification, kind, channel string) *Notification {
	t.Helper()
	for _, n := range ns {
		if n.Kind == kind && n.Channel == channel {
			return n
		}
	}
	t.Fatalf("no %s %s among %d messages", kind, channel, len(ns))
	return nil
}

func TestFanout(t *testing.T) {
	t.Parallel()

	t.Run("PaidOrderConfirmsToCustomerAndTellsSeller", func(t *testing.T) {
		t.Parallel()
		b := setupService(t)
		_, err := SaveSettings(t.Context(), b.db, b.store.ID, Settings{SMSSenderID: "KIOSK", EmailFromName: "Kiosk Orders"})
		require.NoError(t, err)
		ns := b.fanout(t, outbox.OrderPaid, b.order.ID, map[string]any{"payment": map[string]any{"receipt": "QK7Y64F4W2"}})
		require.Len(t, ns, 3)
		link := fmt.Sprintf("https://soko.example/s/kiosk/orders/%s?t=%s", b.order.ID, b.svc.Tokens.Token("order", b.order.ID))

		sms := find(t, ns, KindOrderConfirmation, ChannelSMS)
		require.Equal(t, "254712345678", sms.Recipient)
		require.Equal(t, "KIOSK", sms.Sender)
		require.Equal(t, "scripted", sms.Provider)
		for _, want := range []string{"#1001", "KES 3,000", "QK7Y64F4W2", link} {
			require.Contains(t, sms.Body, want)
		}
		email := find(t, ns, KindOrderConfirmation, ChannelEmail)
		require.Equal(t, "otieno@example.com", email.Recipient)
		require.Equal(t, "Kiosk Orders", email.Sender)
		require.Contains(t, email.Subject, "#1001")
		require.Contains(t, email.Body, link)

		seller := find(t, ns, KindSellerNewOrder, ChannelEmail)
		require.Equal(t, "achieng@example.com", seller.Recipient)
		require.Contains(t, seller.Body, "254712***678", "the seller's notice masks the phone")
		require.NotContains(t, seller.Body, "254712345678")
	})

	t.Run("PaidWithoutReceiptSaysWhereItIs", func(t *testing.T) {
		t.Parallel()
		b := setupService(t)
		ns := b.fanout(t, outbox.OrderPaid, b.order.ID, map[string]any{"payment": map[string]any{}})
		require.Contains(t, find(t, ns, KindOrderConfirmation, ChannelSMS).Body, "the number is in the SMS from M-Pesa")
		require.Contains(t, find(t, ns, KindSellerNewOrder, ChannelEmail).Body,
			"M-Pesa receipt not sent to us (payment confirmed by M-Pesa; the customer has the number in M-Pesa's SMS)")
	})

	t.Run("SellerPreferencesChooseChannels", func(t *testing.T) {
		t.Parallel()
		b := setupService(t)
		_, err := stores.UpdatePrefs(t.Context(), b.db, b.store.ID, stores.NotificationPrefs{Email: "orders@kiosk.example",
			Phone: "0722000111", PaidEmail: true, PaidSMS: true})
		require.NoError(t, err)
		ns := b.fanout(t, outbox.OrderPaid, b.order.ID, map[string]any{"payment": map[string]any{"receipt": "QK7Y64F4W2"}})
		require.Equal(t, "orders@kiosk.example", find(t, ns, KindSellerNewOrder, ChannelEmail).Recipient)
		require.Equal(t, "254722000111", find(t, ns, KindSellerNewOrder, ChannelSMS).Recipient)
	})

	t.Run("FailedPaymentSaysHowToRetry", func(t *testing.T) {
		t.Parallel()
		b := setupService(t)
		ns := b.fanout(t, outbox.OrderPaymentFailed, b.order.ID, map[string]any{"payment": map[string]any{
			"result_code": "1032", "failure_reason": "You cancelled the M-Pesa prompt."}})
		require.Len(t, ns, 2, "customer SMS and email; nothing for the seller")
		sms := find(t, ns, KindPaymentFailed, ChannelSMS)
		require.Contains(t, sms.Body, "did not go through: You cancelled the M-Pesa prompt")
		require.Contains(t, sms.Body, "press Pay again")
		require.Contains(t, sms.Body, "/s/kiosk/orders/"+b.order.ID)
	})

	t.Run("ConfigurationErrorAlertsTheSeller", func(t *testing.T) {
		t.Parallel()
		b := setupService(t)
		ns := b.fanout(t, outbox.OrderPaymentFailed, b.order.ID, map[string]any{"payment": map[string]any{"result_code": "2028"}})
		seller := find(t, ns, KindSellerPayment, ChannelEmail)
		require.Contains(t, seller.Subject, "M-Pesa set-up problem")
	})

	t.Run("PaymentProblemsAlertTheSeller", func(t *testing.T) {
		t.Parallel()
		b := setupService(t)
		issue := map[string]any{"amount": 300000, "currency": "KES", "receipt": "QK7Y64F4W3"}
		over := find(t, b.fanout(t, outbox.PaymentOverpaid, b.order.ID, map[string]any{"issue": issue}), KindSellerPayment, ChannelEmail)
		require.Contains(t, over.Subject, "paid twice")
		require.Contains(t, over.Body, "QK7Y64F4W3")
		un := find(t, b.fanout(t, outbox.PaymentUnmatched, b.order.ID, map[string]any{"issue": issue, "prompted_amount": 250000}),
			KindSellerPayment, ChannelEmail)
		require.Contains(t, un.Body, "KES 2,500")
		require.Contains(t, un.Body, "not paid")
	})

	t.Run("PausedEndpointAlertsTheSeller", func(t *testing.T) {
		t.Parallel()
		b := setupService(t)
		ns := b.fanout(t, outbox.EndpointPaused, "", map[string]any{"endpoint": map[string]any{"id": "whe_1", "url": "https://erp.example/hooks"},
			"reason": "every delivery failed since 2026-11-28T10:00:00Z"})
		n := find(t, ns, KindSellerEndpoint, ChannelEmail)
		require.Contains(t, n.Subject, "paused")
		require.Contains(t, n.Body, "https://erp.example/hooks")
		require.Contains(t, n.Body, "/api/v1/stores/kiosk/webhooks/whe_1/resume")
	})

	t.Run("OtherEventsWriteNothing", func(t *testing.T) {
		t.Parallel()
		b := setupService(t)
		require.Empty(t, b.fanout(t, outbox.OrderCreated, b.order.ID, map[string]any{}))
	})
}

func TestSend(t *testing.T) {
	t.Parallel()
	b := setupService(t)
	ns := b.fanout(t, outbox.OrderPaid, b.order.ID, map[string]any{"payment": map[string]any{"receipt": "QK7Y64F4W2"}})
	sms := find(t, ns, KindOrderConfirmation, ChannelSMS)
	load := func(id string) *Notification {
		n := new(Notification)
		require.NoError(t, b.db.NewSelect().Model(n).Where("id = ?", id).Scan(t.Context()))
		return n
	}

	b.sms.err = errors.New("africastalking: 502 RejectedByGateway")
	err := b.svc.Send(t.Context(), sms.ID)
	require.Error(t, err, "a temporary failure goes back to the queue")
	require.NotErrorIs(t, err, asynq.SkipRetry)
	n := load(sms.ID)
	require.Equal(t, StatusPending, n.Status)
	require.EqualValues(t, 1, n.Attempts)
	require.Contains(t, n.LastError, "RejectedByGateway")

	b.sms.err = nil
	require.NoError(t, b.svc.Send(t.Context(), sms.ID))
	n = load(sms.ID)
	require.Equal(t, StatusSent, n.Status)
	require.Equal(t, "ref-"+sms.ID, n.ProviderRef)
	require.False(t, n.SentAt.IsZero())
	require.NoError(t, b.svc.Send(t.Context(), sms.ID))
	require.Len(t, b.sms.sent, 2, "a sent message is never sent again")

	email := find(t, ns, KindOrderConfirmation, ChannelEmail)
	b.email.err = fmt.Errorf("%w: smtp RCPT TO: 550 no such mailbox", ErrPermanent)
	err = b.svc.Send(t.Context(), email.ID)
	require.ErrorIs(t, err, asynq.SkipRetry)
	n = load(email.ID)
	require.Equal(t, StatusFailed, n.Status)
	require.True(t, strings.Contains(n.LastError, "550"))
}

// An event's messages go in one task: a temporary failure of one sends
// the others and retries the task, whose next run sends only what is left;
// a permanent failure stops the retries only once nothing is left to retry.
func TestSendEvent(t *testing.T) {
	t.Parallel()
	b := setupService(t)
	ns := b.fanout(t, outbox.OrderPaid, b.order.ID, map[string]any{"payment": map[string]any{"receipt": "QK7Y64F4W2"}})
	require.Len(t, ns, 3)
	eventID := ns[0].EventID
	status := func() map[string]string {
		var rows []Notification
		require.NoError(t, b.db.NewSelect().Model(&rows).Where("event_id = ?", eventID).Scan(t.Context()))
		out := map[string]string{}
		for _, n := range rows {
			out[n.Kind+"/"+n.Channel] = n.Status
		}
		return out
	}

	b.sms.err = errors.New("africastalking: 502 RejectedByGateway")
	b.email.err = fmt.Errorf("%w: smtp RCPT TO: 550 no such mailbox", ErrPermanent)
	err := b.svc.SendEvent(t.Context(), eventID)
	require.Error(t, err)
	require.NotErrorIs(t, err, asynq.SkipRetry, "the SMS may still go: retry")
	require.Equal(t, map[string]string{"order_confirmation/sms": StatusPending, "order_confirmation/email": StatusFailed,
		"seller_new_order/email": StatusFailed}, status())

	b.sms.err = nil
	require.NoError(t, b.svc.SendEvent(t.Context(), eventID))
	require.Equal(t, StatusSent, status()["order_confirmation/sms"])
	require.NoError(t, b.svc.SendEvent(t.Context(), eventID), "nothing left: a duplicate task sends nothing")
	require.Len(t, b.sms.sent, 2, "the SMS: one failed try, one send")
	require.Len(t, b.email.sent, 2, "each email tried once")

	// The task of a payment_failed event: its id is the event's.
	other := b.fanout(t, outbox.OrderPaymentFailed, b.order.ID, map[string]any{"payment": map[string]any{"result_code": "1"}})
	b.sms.err = fmt.Errorf("%w: invalid number", ErrPermanent)
	b.email.err = nil
	task := asynq.NewTask(queue.TypeNotifyEvent, []byte(`{"id":"`+other[0].EventID+`"}`))
	require.ErrorIs(t, b.svc.HandleSendEvent(t.Context(), task), asynq.SkipRetry, "nothing left worth a retry")
	require.Len(t, b.email.sent, 3, "the customer's failure email went")
}

// outage makes the next fails queries whose text contains match fail as
// if the database had gone away; with landed, each takes effect first
// (the answer is what got lost).
// panickyProvider panics on every send.
type panickyProvider struct{}

func (panickyProvider) Name() string { return "panicky" }

func (panickyProvider) Send(context.Context, *Notification) (string, error) {
	panic("nil map in provider")
}

// A provider that panics fails its message (the outcome is unknown, so it
// is not sent again) and leaves the event's other messages and the worker
// alone.
func TestSendSurvivesAPanickingProvider(t *testing.T) {
	t.Parallel()
	b := setupService(t)
	b.svc.providers[ChannelSMS] = panickyProvider{}
	ns := b.fanout(t, outbox.OrderPaid, b.order.ID, map[string]any{"payment": map[string]any{"receipt": "QK7Y64F4W2"}})
	err := b.svc.SendEvent(t.Context(), ns[0].EventID)
	require.ErrorIs(t, err, asynq.SkipRetry)
	var rows []Notification
	require.NoError(t, b.db.NewSelect().Model(&rows).Where("event_id = ?", ns[0].EventID).Scan(t.Context()))
	for _, n := range rows {
		if n.Channel == ChannelSMS {
			require.Equal(t, StatusFailed, n.Status)
			require.Contains(t, n.LastError, "panicked")
		} else {
			require.Equal(t, StatusSent, n.Status)
		}
	}
}

// The sweeper re-enqueues an event whose messages are still pending long
// after, once, under the task id the relay used.
func TestSweepEnqueuesStaleEventsOnce(t *testing.T) {
	t.Parallel()
	b := setupService(t)
	q := &queuetest.Recorder{}
	b.svc.Queue = q
	ns := b.fanout(t, outbox.OrderPaid, b.order.ID, map[string]any{"payment": map[string]any{"receipt": "QK7Y64F4W2"}})
	fresh := b.fanout(t, outbox.OrderPaymentFailed, b.order.ID, map[string]any{"payment": map[string]any{"result_code": "1"}})
	_, err := b.db.NewUpdate().Model((*Notification)(nil)).Set("created_at = ?", db.Now().Add(-time.Hour)).
		Where("event_id = ?", ns[0].EventID).Exec(t.Context())
	require.NoError(t, err)
	require.NoError(t, b.svc.Sweep(t.Context()))
	require.Equal(t, []queue.Job{{Type: queue.TypeNotifyEvent, ID: ns[0].EventID, StoreID: b.store.ID}}, q.Jobs(),
		"one task for the stale event's three messages; none for %s", fresh[0].EventID)
}

// outageMu guards outages' counts: an event's messages settle at once.
var outageMu sync.Mutex

type outage struct {
	db     *bun.DB
	match  string
	fails  int
	landed bool
}

type outageInner struct{}

// take counts one failure down, if any is left.
func (o *outage) take() bool {
	outageMu.Lock()
	defer outageMu.Unlock()
	if o.fails == 0 {
		return false
	}
	o.fails--
	return true
}

func (o *outage) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if ctx.Value(outageInner{}) != nil || !strings.Contains(e.Query, o.match) || !o.take() {
		return ctx
	}
	if o.landed {
		_, _ = o.db.ExecContext(context.WithValue(ctx, outageInner{}, true), e.Query)
	}
	lost, cancel := context.WithCancel(ctx)
	cancel()
	return lost
}

func (o *outage) AfterQuery(context.Context, *bun.QueryEvent) {}

// TestSendHoldsOnThroughADatabaseOutage: the database going away between
// the claim and the outcome, or taking the claim's answer with it, neither
// loses the confirmation (left "sending" for good) nor sends it twice.
func TestSendHoldsOnThroughADatabaseOutage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		cut  outage
		// retried: Send gives the task back to the queue, whose retry
		// sends the message.
		retried bool
	}{
		{"outcome not recorded at first", outage{match: "attempts = attempts + 1", fails: 2}, false},
		{"claim made, its answer lost", outage{match: "status = 'sending'", fails: 1, landed: true}, false},
		{"claim not made", outage{match: "status = 'sending'", fails: 1}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setupService(t)
			ns := b.fanout(t, outbox.OrderPaid, b.order.ID, map[string]any{"payment": map[string]any{"receipt": "QK7Y64F4W2"}})
			sms := find(t, ns, KindOrderConfirmation, ChannelSMS)
			cut := tc.cut
			cut.db = b.db
			b.db.AddQueryHook(&cut)
			err := b.svc.Send(t.Context(), sms.ID)
			if tc.retried {
				require.Error(t, err)
				require.Empty(t, b.sms.sent)
				err = b.svc.Send(t.Context(), sms.ID)
			}
			require.NoError(t, err)
			require.Zero(t, cut.fails, "the outage happened")
			n := new(Notification)
			require.NoError(t, b.db.NewSelect().Model(n).Where("id = ?", sms.ID).Scan(t.Context()))
			require.Equal(t, StatusSent, n.Status)
			require.NoError(t, b.svc.Send(t.Context(), sms.ID))
			require.Len(t, b.sms.sent, 1, "sent once")
		})
	}
}

// TestSendLeavesAnotherRunsClaim: a message another run marked sending
// (a worker that died there) is not sent again.
func TestSendLeavesAnotherRunsClaim(t *testing.T) {
	t.Parallel()
	b := setupService(t)
	ns := b.fanout(t, outbox.OrderPaid, b.order.ID, map[string]any{"payment": map[string]any{"receipt": "QK7Y64F4W2"}})
	sms := find(t, ns, KindOrderConfirmation, ChannelSMS)
	_, err := b.db.NewUpdate().Model((*Notification)(nil)).Set("status = ?", StatusSending).Set("claim = 'snd_dead'").
		Where("id = ?", sms.ID).Exec(t.Context())
	require.NoError(t, err)
	require.NoError(t, b.svc.Send(t.Context(), sms.ID))
	require.Empty(t, b.sms.sent)
}
