package admin

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/notify"
	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/internal/queue"
)

// Events of access changes a store's people hear about. They go through
// the outbox like every event, so the notification rides on it; they are
// not in the webhook catalogue.
const (
	EventStaffInvited   = "staff.invited"
	EventSupportStarted = "support.started"
)

// Notice kinds.
const (
	KindStaffInvitation = notify.KindStaffInvitation
	KindSupportAccess   = "support_access"
)

// Mailer writes emails to people about their store; the worker sends them
// like every other notification.
type Mailer struct {
	Notify *notify.Service
	Queue  *queue.Client
}

// mail records, inside tx, event typ for storeID and an email to, and
// returns the message to send once tx commits.
func (m Mailer) mail(ctx context.Context, tx bun.IDB, storeID, typ, kind, to, subject, body string, data any) (*notify.Notification, error) {
	e, err := outbox.Record(ctx, tx, storeID, typ, "", data)
	if err != nil {
		return nil, err
	}
	n := &notify.Notification{ID: db.NewID("ntf"), StoreID: storeID, EventID: e.ID, Kind: kind, Channel: notify.ChannelEmail,
		Recipient: to, Sender: "SokoHub", Subject: subject, Body: body, Status: notify.StatusPending,
		Provider: m.Notify.Email.Name(), CreatedAt: db.Now()}
	if _, err := tx.NewInsert().Model(n).Exec(ctx); err != nil {
		return nil, err
	}
	return n, nil
}

// send enqueues n after its transaction committed; if that fails the
// notification sweeper sends it later, so the error is only logged.
func (m Mailer) send(ctx context.Context, n *notify.Notification) {
	if err := m.Queue.Enqueue(ctx, queue.Job{Type: queue.TypeNotify, ID: n.ID, StoreID: n.StoreID}); err != nil {
		m.Notify.Log.WarnContext(ctx, "notification enqueue failed; the sweeper will send it", "store_id", n.StoreID, "err", err)
	}
}
