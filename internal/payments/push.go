package payments

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/mpesa"
	"github.com/sokohub/sokohub/internal/queue"
	"github.com/sokohub/sokohub/internal/secrets"
)

// UnconfirmedPush is how long a claimed push may stay without Daraja's
// answer before the sweeper lets the customer try again.
const UnconfirmedPush = 3 * time.Minute

// HandlePush is the payment:stk_push task: it sends the attempt's STK Push
// and records Daraja's synchronous answer. "Accepted" only means the prompt
// is on its way; it never pays anything.
func (s *Service) HandlePush(ctx context.Context, t *asynq.Task) error {
	p, err := queue.Decode(t)
	if err != nil {
		return err
	}
	pt, err := s.pushTarget(ctx, p.ID)
	if errors.Is(err, db.ErrNotFound) || err == nil && (pt.Status != StatusQueued || !pt.PushStartedAt.IsZero()) {
		return nil // gone, settled, or already claimed by another run
	}
	if err != nil {
		return err
	}
	// Everything the push needs is read before the claim: a database that
	// fails here leaves the attempt unclaimed for the task's retry, instead
	// of claimed with nothing sent until the sweeper frees the customer.
	req, creds, reqErr := s.pushRequest(ctx, pt)
	var bad *unpushable
	if reqErr != nil && !errors.As(reqErr, &bad) {
		return reqErr
	}
	a, ok, err := s.claimPush(ctx, pt.ID)
	if err != nil || !ok {
		return err
	}
	log := s.log.With("attempt_id", a.ID, "store_id", a.StoreID)
	if bad != nil {
		log.WarnContext(ctx, "stk push not sent", "err", bad)
		return s.reject(ctx, a, mpesa.ResultInfo{CustomerReason: neutralReason, MerchantReason: bad.Error()})
	}
	if wait := s.throttle(ctx, a); wait > 0 {
		// Over the store's share: not sent, not failed, just later.
		if err := s.releasePush(ctx, a); err != nil {
			return err
		}
		return s.deferTask(ctx, queue.TypeSTKPush, a, wait)
	}
	res, err := s.daraja.Push(ctx, creds, req)
	if errors.Is(err, mpesa.ErrInvalidRequest) {
		// Refused before sending: nothing reached the phone.
		log.WarnContext(ctx, "stk push refused locally", "err", err)
		return s.reject(ctx, a, pushFailure(res))
	}
	if err != nil {
		if notSent(err) {
			return s.retryOrReject(ctx, a, fmt.Errorf("stk push: %w", err))
		}
		// The outcome is unknown: the prompt may be on the phone, and a
		// second push could charge the customer twice. Never push this
		// attempt again; its callback (tied to it by the URL's token) still
		// settles it, and the sweeper frees the customer to retry if none
		// comes.
		log.WarnContext(ctx, "stk push outcome unknown; not pushing again", "err", err)
		return nil
	}
	log.InfoContext(ctx, "stk push answered", "outcome", res.Outcome.String(), "error_code", res.ErrorCode)
	switch res.Outcome {
	case mpesa.OutcomeAccepted:
		return s.markPrompted(ctx, a, res)
	case mpesa.OutcomeThrottled, mpesa.OutcomeTransient:
		return s.retryOrReject(ctx, a, fmt.Errorf("daraja %s: %s", res.ErrorCode, res.Message))
	default:
		return s.reject(ctx, a, pushFailure(res))
	}
}

// notSent tells a transport error that proves nothing reached Daraja (the
// connection was never made) from one where the request may have gone out.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// claimPush takes the attempt for this run, once and for all: a push may
// go out at most once per attempt, so a crash after the claim never leads
// to a second prompt (the sweeper frees the customer instead).
func (s *Service) claimPush(ctx context.Context, id string) (*Attempt, bool, error) {
	now := db.Now()
	a, err := db.UpdateOne[Attempt](ctx, s.db.NewUpdate().Set("push_started_at = ?", now).Set("updated_at = ?", now).
		Where("id = ?", id).Where("status = ?", StatusQueued).Where("push_started_at IS NULL"))
	return a, a != nil, err
}

// unpushable is why an attempt can never be pushed as it stands (an
// amount M-Pesa cannot take, no order, no usable credentials), as opposed
// to a database that failed to answer.
type unpushable struct{ err error }

func (u *unpushable) Error() string { return u.err.Error() }
func (u *unpushable) Unwrap() error { return u.err }

// pushTarget is an attempt with what its prompt names: its store's slug
// and its order's number (empty when the order is gone).
type pushTarget struct {
	Attempt `bun:",extend"`
	Slug    string `bun:",scanonly"`
	Number  int64  `bun:",scanonly"`
}

// pushTarget reads attempt id with its store's slug and order's number in
// one statement.
func (s *Service) pushTarget(ctx context.Context, id string) (*pushTarget, error) {
	pt := new(pushTarget)
	err := s.db.NewSelect().Model(pt).ColumnExpr("?TableColumns").ColumnExpr("COALESCE(s.slug, '') AS slug, COALESCE(o.number, 0) AS number").
		Join("LEFT JOIN orders AS o ON o.id = ?TableAlias.order_id AND o.store_id = ?TableAlias.store_id").
		Join("LEFT JOIN stores AS s ON s.id = o.store_id").Where("?TableAlias.id = ?", id).Scan(ctx)
	return pt, db.NotFound(err)
}

func (s *Service) pushRequest(ctx context.Context, pt *pushTarget) (mpesa.PushRequest, mpesa.Credentials, error) {
	var req mpesa.PushRequest
	a, slug, number := &pt.Attempt, pt.Slug, pt.Number
	amount, err := mpesa.Shillings(a.Amount, a.Currency)
	if err != nil {
		return req, mpesa.Credentials{}, &unpushable{err}
	}
	if slug == "" {
		return req, mpesa.Credentials{}, &unpushable{fmt.Errorf("order %s: %w", a.OrderID, db.ErrNotFound)}
	}
	creds, err := s.vault.Credentials(ctx, s.db, a.StoreID)
	if errors.Is(err, db.ErrNotFound) || errors.Is(err, secrets.ErrUnknownKey) || errors.Is(err, secrets.ErrCorrupt) {
		return req, mpesa.Credentials{}, &unpushable{fmt.Errorf("store has no usable M-Pesa credentials: %w", err)}
	} else if err != nil {
		return req, mpesa.Credentials{}, err
	}
	return mpesa.PushRequest{Amount: amount, Phone: a.Phone, CallbackURL: s.CallbackURL(a.ID),
		AccountReference: AccountReference(slug, number), Description: "Order " + strconv.FormatInt(number, 10)}, creds, nil
}

// AccountReference names the store and order in the customer's prompt
// and SMS within Daraja's 12 characters: the slug shortened to fit, then
// the order number ("mama-mboga" and order 1042 give "MAMA-MB-1042").
func AccountReference(slug string, number int64) string {
	n := "-" + strconv.FormatInt(number, 10)
	room := 12 - len(n)
	s := strings.ToUpper(slug)
	if len(s) > room {
		s = strings.TrimRight(s[:room], "-")
	}
	return mpesa.AccountReference(s + n)
}

func (s *Service) markPrompted(ctx context.Context, a *Attempt, res mpesa.PushResult) error {
	// The CheckoutRequestID is what lets us query a payment whose callback
	// never comes, and the push cannot be repeated to learn it again: hold
	// on through a short database outage rather than lose it.
	err := db.Retry(ctx, 16*time.Second, func(ctx context.Context) error {
		err := s.recordPrompt(ctx, a, res)
		if err != nil {
			s.log.WarnContext(ctx, "recording the prompt failed; retrying", "attempt_id", a.ID, "err", err)
		}
		return err
	})
	if err != nil {
		return err
	}
	s.scheduleQuery(ctx, a, 0)
	return nil
}

func (s *Service) recordPrompt(ctx context.Context, a *Attempt, res mpesa.PushResult) error {
	// The callback may have beaten us here (the simulator answers at once):
	// record the ids, but only move the status if still queued.
	_, err := s.db.NewUpdate().Model((*Attempt)(nil)).
		Set("status = CASE WHEN status = ? THEN ? ELSE status END", StatusQueued, StatusPrompted).
		Set("checkout_request_id = ?", res.CheckoutRequestID).Set("merchant_request_id = ?", res.MerchantRequestID).
		Set("updated_at = ?", db.Now()).
		Where("id = ?", a.ID).
		WhereGroup(" AND ", func(q *bun.UpdateQuery) *bun.UpdateQuery {
			return q.Where("checkout_request_id IS NULL").WhereOr("checkout_request_id = ?", res.CheckoutRequestID)
		}).Exec(ctx)
	return err
}

// retryOrReject lets Asynq retry a push that failed for a passing reason,
// and gives up on the last try so the customer can start again.
func (s *Service) retryOrReject(ctx context.Context, a *Attempt, cause error) error {
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	if retried < maxRetry {
		if err := s.releasePush(ctx, a); err != nil {
			return err
		}
		return cause
	}
	return s.reject(ctx, a, mpesa.ResultInfo{CustomerReason: busyReason, MerchantReason: cause.Error()})
}

// releasePush gives up this run's claim on a, so the next run can take it.
func (s *Service) releasePush(ctx context.Context, a *Attempt) error {
	_, err := s.db.NewUpdate().Model((*Attempt)(nil)).Set("push_started_at = NULL").
		Where("id = ?", a.ID).Where("status = ?", StatusQueued).Exec(ctx)
	return err
}

// reject records that Daraja never prompted the customer for attempt a.
func (s *Service) reject(ctx context.Context, a *Attempt, info mpesa.ResultInfo) error {
	return db.RunInTx(ctx, s.db, func(ctx context.Context, tx bun.IDB) error {
		now := db.Now()
		cur, err := db.UpdateOne[Attempt](ctx, tx.NewUpdate().Set("status = ?", StatusRejected).
			Set("failure_reason = ?", info.CustomerReason).Set("merchant_reason = ?", info.MerchantReason).
			Set("result_code = ?", nullable(info.Code)).Set("resolved_at = ?", now).Set("updated_at = ?", now).
			Where("id = ?", a.ID).Where("status = ?", StatusQueued))
		if err != nil || cur == nil {
			return err
		}
		return s.recordFailure(ctx, tx, cur)
	})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
