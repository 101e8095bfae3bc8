// Package notify tells people what happened: the customer's confirmation
// or failure message, and the seller's notices (a new paid order, payment
// problems, a paused webhook endpoint). Messages are rows written by the
// event relay (once per event, kind and channel), then sent through a
// provider by the queue with retries, so a failing provider never blocks a
// payment.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/queue"
	"github.com/sokohub/sokohub/internal/tokens"
)

// Kinds of message.
const (
	KindOrderConfirmation = "order_confirmation"
	KindPaymentFailed     = "payment_failed"
	KindSellerNewOrder    = "seller_new_order"
	KindSellerPayment     = "seller_payment_problem"
	KindSellerEndpoint    = "seller_endpoint_problem"
)

// Channels.
const (
	ChannelSMS   = "sms"
	ChannelEmail = "email"
)

// Statuses of a message.
const (
	StatusPending = "pending"
	StatusSent    = "sent"
	// StatusFailed is final: the provider refused the message for good
	// (an invalid number, a blacklisted one) or every retry failed.
	StatusFailed = "failed"
	// StatusSending marks a message handed to its provider. A worker that
	// dies there leaves it so, and it is never sent again: one
	// confirmation SMS too few is better than two. A worker that lives
	// through a database outage there holds on (outageHold) and records
	// what happened.
	StatusSending = "sending"
)

// outageHold is how long a send holds on to its claim or its outcome while
// the database does not answer: well inside the task's 30 s timeout.
const outageHold = 20 * time.Second

// Notification is one message to one person.
type Notification struct {
	bun.BaseModel `bun:"table:notifications"`

	ID        string `bun:",pk" json:"id"`
	StoreID   string `json:"-"`
	EventID   string `json:"event_id"`
	OrderID   string `bun:",nullzero" json:"order_id,omitempty"`
	Kind      string `json:"kind"`
	Channel   string `json:"channel"`
	Recipient string `json:"recipient"`
	// Sender is the store's SMS sender id or email display name.
	Sender  string `json:"sender,omitempty"`
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body"`
	Status  string `json:"status"`
	// Provider is the provider that sends it; ProviderRef its id there.
	Provider    string `json:"provider"`
	ProviderRef string `json:"provider_ref,omitempty"`
	Attempts    int64  `json:"attempts"`
	LastError   string `json:"last_error,omitempty"`
	// Claim names the run that marked it sending.
	Claim     string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	SentAt    time.Time `bun:",nullzero" json:"sent_at,omitzero"`
}

// Config is what a [Service] works with.
type Config struct {
	DB *bun.DB
	// SMS and Email send each channel; nil means the log provider.
	SMS, Email Provider
	// PublicURL is the base of links in messages.
	PublicURL string
	// Tokens derives the order token of customer links.
	Tokens tokens.Deriver
	// Queue is where the sweeper re-enqueues messages whose task was lost.
	Queue Enqueuer
	Log   *slog.Logger
}

// Enqueuer schedules background work; *queue.Client is the real one.
type Enqueuer interface {
	Enqueue(ctx context.Context, j queue.Job) error
}

// Service writes and sends notifications.
type Service struct {
	Config
	providers map[string]Provider
}

// NewService returns a Service.
func NewService(c Config) *Service {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.SMS == nil {
		c.SMS = LogProvider{Log: c.Log}
	}
	if c.Email == nil {
		c.Email = LogProvider{Log: c.Log}
	}
	return &Service{Config: c, providers: map[string]Provider{ChannelSMS: c.SMS, ChannelEmail: c.Email}}
}

// HandleSend is the notify:send task: one message (admin notices).
func (s *Service) HandleSend(ctx context.Context, t *asynq.Task) error {
	p, err := queue.Decode(t)
	if err != nil {
		return err
	}
	return s.Send(ctx, p.ID)
}

// HandleSendEvent is the notify:event task: an event's messages.
func (s *Service) HandleSendEvent(ctx context.Context, t *asynq.Task) error {
	p, err := queue.Decode(t)
	if err != nil {
		return err
	}
	return s.SendEvent(ctx, p.ID)
}

// Send hands message id to its channel's provider and records the outcome.
// A temporary failure is returned, so the queue retries it; a permanent
// one, or the last retry, settles the message as failed.
func (s *Service) Send(ctx context.Context, id string) error {
	return s.sendClaimed(ctx, "id", id)
}

// SendEvent sends the messages of event eventID that are still pending,
// as Send does each: one task and one claim for the customer's SMS and
// email and the seller's notice. A retry sends only what is still pending.
func (s *Service) SendEvent(ctx context.Context, eventID string) error {
	return s.sendClaimed(ctx, "event_id", eventID)
}

// sendClaimed claims the pending messages whose column is value and sends
// each. The task is retried while any failed for now; only when none did
// does a permanent failure stop the retries.
func (s *Service) sendClaimed(ctx context.Context, column, value string) error {
	ns, err := s.claim(ctx, column, value, db.NewID("snd"))
	if err != nil {
		return err // nothing claimed: the queue retries
	}
	// Sent side by side: a slow mail server must not hold the SMS back,
	// nor add its time to the others' within the task's deadline.
	errs := make([]error, len(ns))
	var wg sync.WaitGroup
	for i := range ns {
		wg.Go(func() {
			// A provider that panics must not take the worker (and every
			// message it holds sending) down with it: the outcome is
			// unknown, so the message is failed, not sent again.
			defer func() {
				if r := recover(); r != nil {
					errs[i] = s.settle(ctx, &ns[i], "", fmt.Errorf("%w: provider panicked: %v", ErrPermanent, r))
				}
			}()
			errs[i] = s.send(ctx, &ns[i])
		})
	}
	wg.Wait()
	var temporary, permanent []error
	for _, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, asynq.SkipRetry):
			permanent = append(permanent, err)
		default:
			temporary = append(temporary, err)
		}
	}
	if len(temporary) > 0 {
		return errors.Join(temporary...)
	}
	return errors.Join(permanent...)
}

// send hands n, claimed, to its channel's provider and records the outcome.
func (s *Service) send(ctx context.Context, n *Notification) error {
	p, ok := s.providers[n.Channel]
	if !ok {
		return s.settle(ctx, n, "", fmt.Errorf("%w: no provider for channel %q", ErrPermanent, n.Channel))
	}
	ref, err := p.Send(ctx, n)
	if err != nil {
		s.Log.WarnContext(ctx, "notification not sent", "store_id", n.StoreID, "notification_id", n.ID,
			"channel", n.Channel, "provider", p.Name(), "err", err)
	}
	return s.settle(ctx, n, ref, err)
}

// claim marks the pending messages whose column is value sending under
// claim, and returns them (none: nothing for this run to send); the claim
// and the read are one statement. A claim whose answer was lost (the
// database went away) may still have been made: once the database is back
// the rows tell whether it was this run's. Without that, the messages
// would stay sending, unsent, for good.
func (s *Service) claim(ctx context.Context, column, value, claim string) ([]Notification, error) {
	var ns []Notification
	_, err := s.DB.NewUpdate().Model(&ns).Set("status = ?", StatusSending).Set("claim = ?", claim).
		Where("? = ?", bun.Ident(column), value).Where("status = ?", StatusPending).Returning("*").Exec(ctx)
	if err == nil {
		return ns, nil
	}
	var mine []Notification
	if rerr := db.Retry(ctx, outageHold, func(ctx context.Context) error {
		return s.DB.NewSelect().Model(&mine).Where("? = ?", bun.Ident(column), value).
			Where("status = ?", StatusSending).Where("claim = ?", claim).Scan(ctx)
	}); rerr != nil {
		return nil, errors.Join(err, rerr)
	}
	if len(mine) > 0 {
		return mine, nil
	}
	return nil, err // still pending (the queue retries), or another run's
}

// settle records how the send went, over this run's claim only. The
// provider has answered, so a database outage here is waited out: were
// the outcome lost, a sent message would stay sending for good.
func (s *Service) settle(ctx context.Context, n *Notification, ref string, sendErr error) error {
	q := s.DB.NewUpdate().Model((*Notification)(nil)).Set("attempts = attempts + 1").
		Where("id = ?", n.ID).Where("status = ?", StatusSending).Where("claim = ?", n.Claim)
	retries, _ := asynq.GetRetryCount(ctx)
	maxRetry, hasMax := asynq.GetMaxRetry(ctx)
	final := errors.Is(sendErr, ErrPermanent) || hasMax && retries >= maxRetry
	switch {
	case sendErr == nil:
		q = q.Set("status = ?", StatusSent).Set("sent_at = ?", db.Now()).Set("provider_ref = ?", ref).Set("last_error = ''")
	case final:
		q = q.Set("status = ?", StatusFailed).Set("last_error = ?", sendErr.Error())
	default:
		// The provider said no for now: the queue's retry may send it.
		q = q.Set("status = ?", StatusPending).Set("last_error = ?", sendErr.Error())
	}
	// Conditional on the claim, so a try whose answer was lost makes the
	// next one change nothing.
	if err := db.Retry(ctx, outageHold, func(ctx context.Context) error {
		_, err := q.Exec(ctx)
		return err
	}); err != nil {
		s.Log.ErrorContext(ctx, "notification outcome not recorded; it stays sending", "store_id", n.StoreID,
			"notification_id", n.ID, "sent", sendErr == nil, "err", err)
		return err
	}
	if sendErr != nil && errors.Is(sendErr, ErrPermanent) {
		return fmt.Errorf("%w: %w", sendErr, asynq.SkipRetry)
	}
	return sendErr
}

// sweepAfter is how long a pending message may sit before the sweeper
// assumes its task was lost; the queue's own retries finish well inside.
const sweepAfter = 15 * time.Minute

// Sweep re-enqueues pending messages whose task was lost (Redis down when
// the relay enqueued them), by event: the task id is the one the relay
// used, so a task still queued absorbs the sweeper's.
func (s *Service) Sweep(ctx context.Context) error {
	var ns []Notification
	err := s.DB.NewSelect().Model(&ns).Column("event_id", "store_id").Where("status = ?", StatusPending).
		Where("created_at < ?", db.Now().Add(-sweepAfter)).Group("event_id", "store_id").
		OrderExpr("MIN(created_at)").Limit(500).Scan(ctx)
	if err != nil {
		return err
	}
	for _, n := range ns {
		if err := s.Queue.Enqueue(ctx, queue.Job{Type: queue.TypeNotifyEvent, ID: n.EventID, StoreID: n.StoreID}); err != nil {
			return err
		}
	}
	return nil
}

// ForOrder returns the messages about order orderID of storeID, oldest
// first (the dashboard's order timeline).
func ForOrder(ctx context.Context, idb bun.IDB, storeID, orderID string) ([]Notification, error) {
	ns := []Notification{}
	err := idb.NewSelect().Model(&ns).Where("store_id = ?", storeID).Where("order_id = ?", orderID).
		Order("created_at", "id").Scan(ctx)
	return ns, err
}

// List returns storeID's notifications, newest first.
//
// Bodies of private kinds are redacted: an invitation's link is a
// credential for its recipient alone, not for every member who can list
// the store's messages.
func List(ctx context.Context, idb bun.IDB, storeID string) ([]Notification, error) {
	ns := []Notification{}
	err := idb.NewSelect().Model(&ns).Where("store_id = ?", storeID).Order("created_at DESC", "id DESC").Limit(200).Scan(ctx)
	for i := range ns {
		if ns[i].Kind == KindStaffInvitation {
			ns[i].Body = "(an invitation link, sent to the invitee only)"
		}
	}
	return ns, err
}

// KindStaffInvitation is the email inviting someone to a store; its body
// holds the invitation's secret link.
const KindStaffInvitation = "staff_invitation"
