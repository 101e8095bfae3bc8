package auth

import (
	"context"
	"log/slog"
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

// check counts this attempt against the account and the address before
// the password is looked at, and refuses once either is over its limit.
// Counting first is what makes the limit hold against parallel guesses;
// a correct password takes its count back (succeeded), so only failures
// stay counted. Redis being down fails closed: a login that cannot be
// counted is not tried.
func (l *Limiter) check(ctx context.Context, email, ip string) error {
	if l == nil {
		return nil
	}
	var acct, addr *redis.IntCmd
	_, err := l.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		acct = p.Incr(ctx, l.accountKey(email))
		p.ExpireNX(ctx, l.accountKey(email), l.Window)
		addr = p.Incr(ctx, l.addressKey(ip))
		p.ExpireNX(ctx, l.addressKey(ip), l.Window)
		return nil
	})
	if err != nil {
		return err
	}
	if int(acct.Val()) > l.PerAccount || int(addr.Val()) > l.PerAddress {
		return ErrTooManyAttempts
	}
	return nil
}

// succeeded clears the account's count (the owner got in, so earlier typos
// should not lock them out later) and takes back this attempt's count on
// the address, so correct logins behind one carrier address never add up.
func (l *Limiter) succeeded(ctx context.Context, email, ip string) {
	if l == nil {
		return
	}
	_, err := l.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, l.accountKey(email))
		p.Decr(ctx, l.addressKey(ip))
		return nil
	})
	if err != nil {
		l.log.WarnContext(ctx, "login limiter: reset", "err", err)
	}
}
