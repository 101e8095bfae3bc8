// Package notify tells people what happened: the customer's confirmation
// and the seller's new-order notice. Messages are rows written by the event
// relay (once per event and kind), then sent through a provider by the
// queue, so a failing provider never blocks a payment.
package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/money"
	"github.com/sokohub/sokohub/internal/mpesa"
	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/internal/queue"
	"github.com/sokohub/sokohub/internal/tokens"
	"github.com/sokohub/sokohub/tenants/orders"
	"github.com/sokohub/sokohub/tenants/stores"
)

// Kinds of message.
const (
	KindOrderConfirmation = "order_confirmation"
	KindPaymentFailed     = "payment_failed"
	KindSellerNewOrder    = "seller_new_order"
)

// Statuses of a message.
const (
	StatusPending = "pending"
	StatusSent    = "sent"
)

// Notification is one message to one person.
type Notification struct {
	bun.BaseModel `bun:"table:notifications"`

	ID        string    `bun:",pk" json:"id"`
	StoreID   string    `json:"-"`
	EventID   string    `json:"event_id"`
	OrderID   string    `bun:",nullzero" json:"order_id,omitempty"`
	Kind      string    `json:"kind"`
	Channel   string    `json:"channel"`
	Recipient string    `json:"recipient"`
	Body      string    `json:"body"`
	Status    string    `json:"status"`
	Provider  string    `json:"provider"`
	CreatedAt time.Time `json:"created_at"`
	SentAt    time.Time `bun:",nullzero" json:"sent_at,omitzero"`
}

// Provider delivers a message on one channel.
type Provider interface {
	Name() string
	Send(ctx context.Context, n *Notification) error
}

// LogProvider "sends" by writing a structured log line: the dev outbox.
type LogProvider struct{ Log *slog.Logger }

// Name is the provider's name recorded on each message.
func (LogProvider) Name() string { return "log" }

// Send logs n.
func (p LogProvider) Send(ctx context.Context, n *Notification) error {
	p.Log.InfoContext(ctx, "notification", "store_id", n.StoreID, "channel", n.Channel, "kind", n.Kind,
		"recipient", n.Recipient, "body", n.Body)
	return nil
}

// Service writes and sends notifications.
type Service struct {
	db        *bun.DB
	provider  Provider
	publicURL string
	tokens    tokens.Deriver
}

// NewService returns a Service sending through p; links point at
// publicURL and carry the order's derived token.
func NewService(d *bun.DB, p Provider, publicURL string, t tokens.Deriver) *Service {
	return &Service{db: d, provider: p, publicURL: publicURL, tokens: t}
}

type eventData struct {
	Order   orders.Snapshot `json:"order"`
	Payment struct {
		Receipt       string `json:"receipt"`
		FailureReason string `json:"failure_reason"`
	} `json:"payment"`
}

// Fanout is the relay's consumer: it writes the messages event e causes.
func (s *Service) Fanout(ctx context.Context, tx bun.IDB, e *outbox.Event) ([]queue.Job, error) {
	if e.Type != outbox.OrderPaid && e.Type != outbox.OrderPaymentFailed {
		return nil, nil
	}
	var env struct{ Data eventData }
	if err := json.Unmarshal([]byte(e.Payload), &env); err != nil {
		return nil, err
	}
	store, err := stores.ByID(ctx, tx, e.StoreID)
	if err != nil {
		return nil, err
	}
	o, err := orders.Get(ctx, tx, e.StoreID, e.OrderID)
	if err != nil {
		return nil, err
	}
	ns, err := s.messages(ctx, tx, e, store, o, env.Data)
	if err != nil {
		return nil, err
	}
	var jobs []queue.Job
	for _, n := range ns {
		res, err := tx.NewInsert().Model(n).On("CONFLICT (event_id, kind, channel) DO NOTHING").Exec(ctx)
		if err != nil {
			return nil, err
		}
		if db.Affected(res) == 1 {
			jobs = append(jobs, queue.Job{Type: queue.TypeNotify, ID: n.ID, StoreID: n.StoreID})
		}
	}
	return jobs, nil
}

func (s *Service) messages(ctx context.Context, tx bun.IDB, e *outbox.Event, store *stores.Store, o *orders.Order, d eventData) ([]*Notification, error) {
	amount := money.Format(o.Total, o.Currency)
	link := fmt.Sprintf("%s/s/%s/orders/%s?t=%s", s.publicURL, store.Slug, o.ID, s.tokens.Token("order", o.ID))
	mk := func(kind, channel, to, body string) *Notification {
		return &Notification{ID: db.NewID("ntf"), StoreID: store.ID, EventID: e.ID, OrderID: o.ID, Kind: kind,
			Channel: channel, Recipient: to, Body: body, Status: StatusPending, Provider: s.provider.Name(), CreatedAt: db.Now()}
	}
	if e.Type == outbox.OrderPaymentFailed {
		return []*Notification{mk(KindPaymentFailed, "sms", o.Phone, fmt.Sprintf(
			"%s: your M-Pesa payment of %s for order #%d did not go through. %s Try again: %s",
			store.Name, amount, o.Number, d.Payment.FailureReason, link))}, nil
	}
	owner := new(struct {
		bun.BaseModel `bun:"table:users"`
		Email         string
	})
	if err := tx.NewSelect().Model(owner).Column("email").Where("id = ?", store.OwnerID).Scan(ctx); err != nil {
		return nil, err
	}
	receipt := d.Payment.Receipt
	if receipt == "" {
		receipt = "(confirmed by M-Pesa; receipt to follow)"
	}
	return []*Notification{
		mk(KindOrderConfirmation, "sms", o.Phone, fmt.Sprintf(
			"%s: order #%d is paid. %s, M-Pesa receipt %s. See your order: %s", store.Name, o.Number, amount, receipt, link)),
		mk(KindSellerNewOrder, "email", owner.Email, fmt.Sprintf(
			"New paid order #%d on %s: %s from %s, M-Pesa receipt %s.", o.Number, store.Name, amount, mpesa.MaskPhone(o.Phone), receipt)),
	}, nil
}

// HandleSend is the notify:send task.
func (s *Service) HandleSend(ctx context.Context, t *asynq.Task) error {
	p, err := queue.Decode(t)
	if err != nil {
		return err
	}
	n := new(Notification)
	if err := s.db.NewSelect().Model(n).Where("id = ?", p.ID).Scan(ctx); err != nil {
		return db.NotFound(err)
	}
	if n.Status != StatusPending {
		return nil
	}
	if err := s.provider.Send(ctx, n); err != nil {
		return err
	}
	_, err = s.db.NewUpdate().Model((*Notification)(nil)).Set("status = ?", StatusSent).Set("sent_at = ?", db.Now()).
		Where("id = ?", n.ID).Where("status = ?", StatusPending).Exec(ctx)
	return err
}

// List returns storeID's notifications, newest first.
func List(ctx context.Context, idb bun.IDB, storeID string) ([]Notification, error) {
	ns := []Notification{}
	err := idb.NewSelect().Model(&ns).Where("store_id = ?", storeID).Order("created_at DESC", "id DESC").Limit(200).Scan(ctx)
	return ns, err
}
