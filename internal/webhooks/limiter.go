package webhooks

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sokohub/sokohub/internal/db"
)

// DefaultConcurrency is how many deliveries may be in flight to one
// endpoint at once, across every worker replica.
const DefaultConcurrency = 4

// Limiter caps the deliveries in flight per endpoint, so a slow receiver
// holds at most a few workers while the others serve everyone else. It is a
// counting semaphore in Redis, shared by every worker: one sorted set per
// endpoint whose members are leases scored by their expiry, so a worker
// that dies mid-delivery frees its slot when the lease runs out instead of
// leaking it. (Asynq's groups aggregate tasks into batches; they do not
// bound concurrency, so they do not fit.)
type Limiter struct {
	rdb    redis.UniversalClient
	prefix string
	max    int
	lease  time.Duration
}

// NewLimiter returns a Limiter allowing max in-flight deliveries per
// endpoint (DefaultConcurrency when max <= 0), keyed under prefix. lease
// must outlast one attempt (the send timeout plus bookkeeping).
func NewLimiter(rdb redis.UniversalClient, prefix string, max int, lease time.Duration) *Limiter {
	if max <= 0 {
		max = DefaultConcurrency
	}
	return &Limiter{rdb: rdb, prefix: prefix, max: max, lease: lease}
}

// acquireScript drops expired leases, then adds one if a slot is free.
// Re-running it with the same token (a go-redis retry) only refreshes it.
var acquireScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[4]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return 1
end
return 0`)

// Acquire takes a slot for endpointID. When it reports false, every slot is
// taken and the caller should try later; otherwise it must call release.
func (l *Limiter) Acquire(ctx context.Context, endpointID string) (release func(), ok bool, err error) {
	key := l.prefix + endpointID
	token := db.NewID("lease")
	now := time.Now()
	got, err := acquireScript.Run(ctx, l.rdb, []string{key},
		now.UnixMilli(), now.Add(l.lease).UnixMilli(), l.max, token, l.lease.Milliseconds()).Int()
	if err != nil || got != 1 {
		return nil, false, err
	}
	return func() {
		// A fresh context: the delivery's may have ended, and the slot
		// must be freed either way (else it waits for the lease).
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		l.rdb.ZRem(ctx, key, token)
	}, true, nil
}

// InFlight reports how many slots of endpointID are taken, for tests and
// the dashboard.
func (l *Limiter) InFlight(ctx context.Context, endpointID string) (int, error) {
	n, err := l.rdb.ZCount(ctx, l.prefix+endpointID, strconv.FormatInt(time.Now().UnixMilli(), 10), "+inf").Result()
	return int(n), err
}
