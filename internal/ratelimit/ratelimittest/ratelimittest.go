// Package ratelimittest gives tests a Redis for a ratelimit.Limiter and a
// clock they move by hand.
package ratelimittest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Redis returns a client and a key prefix of t's own: the Redis at
// SOKOHUB_REDIS_URL under a random prefix whose keys are deleted when the
// test ends (CI), or an in-process miniredis otherwise.
func Redis(t testing.TB) (redis.UniversalClient, string) {
	t.Helper()
	url := os.Getenv("SOKOHUB_REDIS_URL")
	if url == "" {
		mr := miniredis.RunT(t)
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		t.Cleanup(func() { _ = rdb.Close() })
		return rdb, "test:"
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("ratelimittest: SOKOHUB_REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opt)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "ratelimittest-" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		_ = rdb.Close()
	})
	return rdb, prefix
}

// Clock is a time that only moves when told to; pass its Now to
// ratelimit.Limiter.WithClock. It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock at the current time.
func NewClock() *Clock { return &Clock{now: time.Now()} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
