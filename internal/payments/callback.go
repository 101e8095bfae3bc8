package payments

import (
	"context"
	"errors"
	"time"

	"github.com/hibiken/asynq"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/mpesa"
	"github.com/sokohub/sokohub/internal/queue"
	"github.com/sokohub/sokohub/internal/tokens"
)

// MaxCallbackBytes bounds what we store of one callback; Daraja's are
// under 1 KiB.
const MaxCallbackBytes = 64 << 10

// Callback is one body posted to a callback URL, kept exactly as received.
type Callback struct {
	bun.BaseModel `bun:"table:callbacks"`

	ID          string `bun:",pk"`
	TokenHash   string
	Body        []byte
	RemoteAddr  string
	ReceivedAt  time.Time
	ProcessedAt time.Time `bun:",nullzero"`
	Outcome     string    `bun:",nullzero"`
	AttemptID   string    `bun:",nullzero"`
	StoreID     string    `bun:",nullzero"`
}

// Receive stores a callback durably and enqueues its processing. Daraja
// does not retry callbacks, so nothing here may depend on the body making
// sense: unknown tokens and garbage are stored too, and processed into a
// quarantine outcome.
//
// refuse is set when the sender is outside the enforced allow-list: the
// body is kept for forensics, marked quarantined and never processed.
func (s *Service) Receive(ctx context.Context, token string, body []byte, remoteAddr string, refuse bool) error {
	if body == nil {
		body = []byte{} // an empty POST is stored too
	}
	cb := &Callback{ID: db.NewID("cbk"), TokenHash: tokens.Hash(token), Body: body,
		RemoteAddr: remoteAddr, ReceivedAt: db.Now()}
	if refuse {
		cb.ProcessedAt, cb.Outcome = cb.ReceivedAt, "source_refused"
	}
	if _, err := s.db.NewInsert().Model(cb).Exec(ctx); err != nil || refuse {
		return err
	}
	if err := s.queue.Enqueue(ctx, queue.Job{Type: queue.TypeCallback, ID: cb.ID}); err != nil {
		s.log.ErrorContext(ctx, "enqueue callback; the sweeper will process it", "callback_id", cb.ID, "err", err)
	}
	return nil
}

// HandleCallback is the payment:callback task: it matches a stored
// callback to its attempt and settles the attempt, in one transaction
// with marking the callback processed.
func (s *Service) HandleCallback(ctx context.Context, t *asynq.Task) error {
	p, err := queue.Decode(t)
	if err != nil {
		return err
	}
	return db.RunInTx(ctx, s.db, func(ctx context.Context, tx bun.IDB) error {
		pc := new(pendingCallback)
		err := tx.NewSelect().Model(pc).Relation("Attempt").Where("?TableAlias.id = ?", p.ID).
			Where("?TableAlias.processed_at IS NULL").Scan(ctx)
		if errors.Is(db.NotFound(err), db.ErrNotFound) {
			return nil // processed by an earlier run
		} else if err != nil {
			return err
		}
		cb := &pc.Callback
		a, outcome, err := s.matchCallback(ctx, tx, cb, pc.attempt())
		if err != nil {
			return err
		}
		if a != nil {
			cb.AttemptID, cb.StoreID = a.ID, a.StoreID
		}
		s.log.InfoContext(ctx, "callback processed", "callback_id", cb.ID, "attempt_id", cb.AttemptID,
			"store_id", cb.StoreID, "outcome", outcome)
		_, err = tx.NewUpdate().Model(cb).Set("processed_at = ?", db.Now()).Set("outcome = ?", outcome).
			Set("attempt_id = ?", nullable(cb.AttemptID)).Set("store_id = ?", nullable(cb.StoreID)).
			Where("id = ?", cb.ID).Where("processed_at IS NULL").Exec(ctx)
		return err
	})
}

// pendingCallback is a stored callback with the attempt its token names,
// read in one statement.
type pendingCallback struct {
	Callback `bun:",extend"`
	Attempt  *Attempt `bun:"rel:belongs-to,join:token_hash=callback_token_hash"`
}

// attempt is the callback's attempt, nil when its token names none.
func (pc *pendingCallback) attempt() *Attempt {
	if pc.Attempt == nil || pc.Attempt.ID == "" {
		return nil
	}
	return pc.Attempt
}

// matchCallback applies the callback to its attempt a (nil: its token
// names none). Mismatches
// are quarantined (an outcome on the stored callback), never applied.
func (s *Service) matchCallback(ctx context.Context, tx bun.IDB, cb *Callback, a *Attempt) (*Attempt, string, error) {
	if a == nil {
		s.log.WarnContext(ctx, "callback for an unknown token quarantined", "callback_id", cb.ID, "remote_addr", cb.RemoteAddr)
		return nil, "unknown_token", nil
	}
	parsed, err := mpesa.ParseCallback(cb.Body)
	if err != nil {
		return a, "unparseable", nil
	}
	if a.CheckoutRequestID != "" && parsed.CheckoutRequestID != a.CheckoutRequestID {
		// The right URL with another transaction's id: a replay, or a push
		// whose answer we lost being retried. Either way someone must look.
		s.log.ErrorContext(ctx, "ALERT callback names another CheckoutRequestID than its attempt; quarantined",
			"callback_id", cb.ID, "attempt_id", a.ID, "store_id", a.StoreID, "result_code", parsed.ResultCode)
		return a, "checkout_request_mismatch", nil
	}
	if a.CheckoutRequestID == "" {
		// The callback beat the push answer (or the answer was lost); the
		// token proves it is this attempt's.
		if _, err := tx.NewUpdate().Model((*Attempt)(nil)).Set("checkout_request_id = ?", parsed.CheckoutRequestID).
			Set("merchant_request_id = ?", nullable(parsed.MerchantRequestID)).
			Where("id = ?", a.ID).Where("checkout_request_id IS NULL").Exec(ctx); err != nil {
			return a, "", err
		}
	}
	// A savepoint, so a unique violation (a receipt that already belongs
	// to another attempt: a replayed or forged callback) leaves the outer
	// transaction usable for recording the quarantine.
	var outcome string
	err = db.RunInTx(ctx, tx, func(ctx context.Context, sp bun.IDB) error {
		var err error
		outcome, err = s.settle(ctx, sp, a, result{Code: parsed.ResultCode, Desc: parsed.ResultDesc, Receipt: parsed.Receipt,
			AmountCents: parsed.AmountCents, HasAmount: parsed.HasAmount, PayerPhone: parsed.Phone, Source: "callback"})
		return err
	})
	if db.IsUniqueViolation(err) {
		s.log.ErrorContext(ctx, "ALERT callback reuses a receipt of another attempt; quarantined", "callback_id", cb.ID, "attempt_id", a.ID)
		return a, "duplicate_receipt", nil
	}
	return a, outcome, err
}
