package auth

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sokohub/sokohub/internal/tokens"
)

// Limiter counts failed logins in Redis, per account and per address, in
// fixed windows, so every gateway replica sees the same counts. Only
// failures count: a busy office behind one address logging in correctly
// is never locked out, while guessing passwords is.
type Limiter struct {
	rdb    redis.UniversalClient
	prefix string
	// PerAccount and PerAddress are the failures allowed in Window.
	PerAccount, PerAddress int
	Window                 time.Duration
	log                    *slog.Logger
}

// NewLimiter returns a Limiter on rdb under namespace with the default
// limits: 5 failures per account and 20 per address in 15 minutes.
func NewLimiter(rdb redis.UniversalClient, namespace string, log *slog.Logger) *Limiter {
	return &Limiter{rdb: rdb, prefix: namespace + ":login:", PerAccount: 5, PerAddress: 20, Window: 15 * time.Minute, log: log}
}

// keys are hashed so that emails never sit in Redis in clear.
func (l *Limiter) accountKey(email string) string { return l.prefix + "acct:" + tokens.Hash(email) }
func (l *Limiter) addressKey(ip string) string    { return l.prefix + "addr:" + strings.Clone(ip) }

// check refuses when either counter is at its limit. Redis being down
// fails closed: a login that cannot be counted is not tried.
func (l *Limiter) check(ctx context.Context, email, ip string) error {
	if l == nil {
		return nil
	}
	vals, err := l.rdb.MGet(ctx, l.accountKey(email), l.addressKey(ip)).Result()
	if err != nil {
		return err
	}
	if count(vals[0]) >= l.PerAccount || count(vals[1]) >= l.PerAddress {
		return ErrTooManyAttempts
	}
	return nil
}

// count reads a counter MGET returned (nil when the key is absent).
func count(v any) int {
	s, _ := v.(string)
	n, _ := strconv.Atoi(s)
	return n
}

// failed counts one failure against both; the window starts at the first.
func (l *Limiter) failed(ctx context.Context, email, ip string) {
	if l == nil {
		return
	}
	_, err := l.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range []string{l.accountKey(email), l.addressKey(ip)} {
			p.Incr(ctx, k)
			p.ExpireNX(ctx, k, l.Window)
		}
		return nil
	})
	if err != nil {
		l.log.WarnContext(ctx, "login limiter: count failure", "err", err)
	}
}

// succeeded clears the account's count: the owner got in, so earlier typos
// should not lock them out later. The address count stays.
func (l *Limiter) succeeded(ctx context.Context, email string) {
	if l == nil {
		return
	}
	if err := l.rdb.Del(ctx, l.accountKey(email)).Err(); err != nil {
		l.log.WarnContext(ctx, "login limiter: reset", "err", err)
	}
}
