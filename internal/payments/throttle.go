package payments

import (
	"context"
	"strconv"
	"time"

	"github.com/sokohub/sokohub/internal/queue"
)

// throttle takes a token from a's store buckets and returns how long to
// wait when there is none (config.DefaultStoreDarajaLimits says why the
// default is what it is). When Redis cannot answer the call goes ahead:
// the limit protects Daraja's quota, it must not stop payments.
func (s *Service) throttle(ctx context.Context, a *Attempt) time.Duration {
	if s.limiter == nil || len(s.limits) == 0 {
		return 0
	}
	d, err := s.limiter.Allow(ctx, "daraja:store:"+a.StoreID, s.limits...)
	if err != nil {
		s.log.WarnContext(ctx, "store rate limit unavailable; calling daraja anyway", "attempt_id", a.ID,
			"store_id", a.StoreID, "err", err)
		return 0
	}
	return d.RetryAfter
}

// deferTask runs task typ for a again after wait, as a new task: the
// running one ends without error, so being throttled never uses up the
// attempt's Asynq retries. The key is the due time, unique per deferral,
// so it never collides with the task still running.
func (s *Service) deferTask(ctx context.Context, typ string, a *Attempt, wait time.Duration) error {
	s.log.InfoContext(ctx, "daraja call deferred by the store's rate limit", "type", typ, "attempt_id", a.ID,
		"store_id", a.StoreID, "wait", wait)
	key := "throttled-" + strconv.FormatInt(time.Now().Add(wait).UnixMilli(), 10)
	return s.queue.Enqueue(ctx, queue.Job{Type: typ, ID: a.ID, StoreID: a.StoreID, Delay: wait, Key: key})
}
