// Package ratelimit is a token-bucket rate limiter in Redis, shared by
// every gateway and worker replica: one Lua script checks and takes
// tokens atomically, so concurrent callers never overspend a bucket.
package ratelimit

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

//go:embed token_bucket.lua
var tokenBucketLua string

// tokenBucket is the script; go-redis runs it by EVALSHA and loads it on
// NOSCRIPT, on Redis and on miniredis alike.
var tokenBucket = redis.NewScript(tokenBucketLua)

// idleMargin keeps a bucket a little past its refill time, so replicas
// whose clocks differ by less than this see the same bucket.
const idleMargin = time.Second

// Limit is one token bucket: it holds at most Burst tokens and refills
// at Rate tokens per second. Each allowed call takes one token.
type Limit struct {
	Rate  float64 // tokens per second, > 0
	Burst int     // capacity, ≥ 1
}

// Per returns the Limit that allows n calls at once and then n per
// window on average (one every window/n).
func Per(n int, window time.Duration) Limit {
	return Limit{Rate: float64(n) / window.Seconds(), Burst: n}
}

func (l Limit) valid() bool {
	return l.Burst >= 1 && l.Rate > 0 && !math.IsInf(l.Rate, 0) && !math.IsNaN(l.Rate)
}

// refill is how long an empty bucket takes to fill: after that long idle a
// bucket is the same as no bucket, so its key may expire.
func (l Limit) refill() time.Duration {
	return time.Duration(float64(l.Burst)/l.Rate*float64(time.Second)) + idleMargin
}

// name tells buckets of one key apart, and gives a changed limit a fresh
// bucket.
func (l Limit) name() string {
	return strconv.Itoa(l.Burst) + "@" + strconv.FormatFloat(l.Rate, 'g', -1, 64)
}

// Decision is the answer to one call.
type Decision struct {
	Allowed bool
	// RetryAfter is, when refused, how long until the call would be
	// allowed (if nobody else takes the token first).
	RetryAfter time.Duration
}

// ErrInvalidLimit is returned for a Limit with Rate ≤ 0 or Burst < 1, or
// no Limit at all.
var ErrInvalidLimit = errors.New("ratelimit: a limit needs Rate > 0 and Burst ≥ 1")

// Limiter takes tokens from buckets in Redis. It is safe for concurrent
// use.
type Limiter struct {
	rdb    redis.UniversalClient
	prefix string
	now    func() time.Time
}

// New returns a Limiter whose buckets live under prefix+"ratelimit:" (pass
// the deployment's Redis namespace, e.g. "sokohub:") and that reads the
// time from the local clock.
func New(rdb redis.UniversalClient, prefix string) *Limiter {
	return &Limiter{rdb: rdb, prefix: prefix + "ratelimit:", now: time.Now}
}

// WithClock returns a copy of l that reads the time from now: buckets
// refill by the caller's clock, never Redis's, so tests can move time.
func (l *Limiter) WithClock(now func() time.Time) *Limiter {
	c := *l
	c.now = now
	return &c
}

// Allow takes one token for key from the bucket of every limit given, or
// from none: the call is allowed only when each bucket has a token, and
// RetryAfter is then the longest wait among those that have none. Several
// limits express "3 a minute and 10 an hour".
//
// go-redis retries a command whose answer was lost, so a network fault can
// take a token twice; the error is on the side of limiting.
func (l *Limiter) Allow(ctx context.Context, key string, limits ...Limit) (Decision, error) {
	if len(limits) == 0 {
		return Decision{}, ErrInvalidLimit
	}
	keys := make([]string, len(limits))
	args := make([]any, 0, 1+3*len(limits))
	args = append(args, l.now().UnixMilli())
	for i, lim := range limits {
		if !lim.valid() {
			return Decision{}, fmt.Errorf("%w: %+v", ErrInvalidLimit, lim)
		}
		// The {hash tag} keeps a key's buckets in one Cluster slot, as a
		// script over several keys requires.
		keys[i] = l.prefix + "{" + key + "}:" + lim.name()
		args = append(args, lim.Rate/1000, lim.Burst, lim.refill().Milliseconds())
	}
	res, err := tokenBucket.Run(ctx, l.rdb, keys, args...).Int64Slice()
	if err != nil {
		return Decision{}, fmt.Errorf("ratelimit: %s: %w", key, err)
	}
	if len(res) != 2 {
		return Decision{}, fmt.Errorf("ratelimit: %s: unexpected script answer %v", key, res)
	}
	if res[0] == 1 {
		return Decision{Allowed: true}, nil
	}
	return Decision{RetryAfter: time.Duration(res[1]) * time.Millisecond}, nil
}
