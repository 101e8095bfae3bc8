package payments

import (
	"context"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/mpesa"
	"github.com/sokohub/sokohub/internal/queue"
)

// maxQueries bounds the task chain of one attempt; past it the sweeper
// keeps asking, less often, until the attempt is final.
const maxQueries = 8

func queueQuery(a *Attempt, n int64, delay time.Duration) queue.Job {
	return queue.Job{Type: queue.TypeSTKQuery, ID: a.ID, StoreID: a.StoreID, Delay: delay, Key: strconv.FormatInt(n, 10)}
}

// HandleQuery is the payment:stk_query task: the safety net for callbacks
// that are late, lost or never sent. Only a final answer changes anything.
func (s *Service) HandleQuery(ctx context.Context, t *asynq.Task) error {
	p, err := queue.Decode(t)
	if err != nil {
		return err
	}
	a, err := get(ctx, s.db, p.ID)
	if err != nil {
		return err
	}
	// timed_out is queried too: a 1037 does not mean the money stayed put.
	if a.Status != StatusPrompted && a.Status != StatusTimedOut || a.CheckoutRequestID == "" {
		return nil
	}
	creds, err := s.vault.Credentials(ctx, s.db, a.StoreID)
	if err != nil {
		return err
	}
	if wait := s.throttle(ctx, a); wait > 0 {
		return s.deferTask(ctx, queue.TypeSTKQuery, a, wait)
	}
	res, err := s.daraja.Query(ctx, creds, a.CheckoutRequestID)
	if err != nil {
		return err // transport: Asynq retries
	}
	n, err := s.countQuery(ctx, a)
	if err != nil {
		return err
	}
	switch res.State {
	case mpesa.QueryFinal:
		if a.Status == StatusTimedOut && mpesa.Classify(res.ResultCode).Kind != mpesa.ResultSuccess {
			return nil // still no money; nothing more to learn
		}
		return db.RunInTx(ctx, s.db, func(ctx context.Context, tx bun.IDB) error {
			outcome, err := s.settle(ctx, tx, a, result{Code: res.ResultCode, Desc: res.ResultDesc, Source: "query"})
			s.log.InfoContext(ctx, "stk query settled", "attempt_id", a.ID, "store_id", a.StoreID, "outcome", outcome)
			return err
		})
	case mpesa.QueryUnknownTransaction:
		s.log.WarnContext(ctx, "daraja does not know the transaction yet", "attempt_id", a.ID, "store_id", a.StoreID)
	case mpesa.QueryConfigError:
		// The store's credentials broke after the prompt went out; the
		// attempt stays open (money may have moved) until they are fixed.
		s.log.ErrorContext(ctx, "ALERT stk query refused the store's credentials", "attempt_id", a.ID,
			"store_id", a.StoreID, "error_code", res.ErrorCode)
	}
	if n < maxQueries {
		s.scheduleQuery(ctx, a, n)
	}
	return nil
}

func (s *Service) countQuery(ctx context.Context, a *Attempt) (int64, error) {
	var n int64
	err := s.db.NewUpdate().Model((*Attempt)(nil)).Set("queries = queries + 1").Set("updated_at = ?", db.Now()).
		Where("id = ?", a.ID).Returning("queries").Scan(ctx, &n)
	return n, err
}
