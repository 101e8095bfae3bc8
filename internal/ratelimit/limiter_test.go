package ratelimit_test

import (
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/ratelimit"
	"github.com/sokohub/sokohub/internal/ratelimit/ratelimittest"
)

type testBundle struct {
	rdb    redis.UniversalClient
	prefix string
	clock  *ratelimittest.Clock
	lim    *ratelimit.Limiter
	// expired waits until Redis has dropped key (miniredis: moves its
	// clock; real Redis: polls).
	expired func(t *testing.T, key string)
}

// backends are the Redis servers every test runs on: always miniredis,
// and the real one too when SOKOHUB_REDIS_URL is set.
func backends() map[string]func(t *testing.T) *testBundle {
	b := map[string]func(t *testing.T) *testBundle{
		"Miniredis": func(t *testing.T) *testBundle {
			mr := miniredis.RunT(t)
			rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
			t.Cleanup(func() { _ = rdb.Close() })
			return bundle(rdb, "mini:", func(t *testing.T, key string) {
				mr.FastForward(time.Hour)
				require.False(t, mr.Exists(key))
			})
		},
	}
	if os.Getenv("SOKOHUB_REDIS_URL") != "" {
		b["Redis"] = func(t *testing.T) *testBundle {
			rdb, prefix := ratelimittest.Redis(t)
			return bundle(rdb, prefix, func(t *testing.T, key string) {
				require.Eventually(t, func() bool { return rdb.Exists(t.Context(), key).Val() == 0 },
					30*time.Second, 50*time.Millisecond)
			})
		}
	}
	return b
}

func bundle(rdb redis.UniversalClient, prefix string, expired func(*testing.T, string)) *testBundle {
	clock := ratelimittest.NewClock()
	return &testBundle{rdb: rdb, prefix: prefix, clock: clock,
		lim: ratelimit.New(rdb, prefix).WithClock(clock.Now), expired: expired}
}

func (b *testBundle) allow(t *testing.T, key string, limits ...ratelimit.Limit) ratelimit.Decision {
	t.Helper()
	d, err := b.lim.Allow(t.Context(), key, limits...)
	require.NoError(t, err)
	return d
}

// keys lists the bucket keys the limiter wrote.
func (b *testBundle) keys(t *testing.T) []string {
	t.Helper()
	keys, err := b.rdb.Keys(t.Context(), b.prefix+"*").Result()
	require.NoError(t, err)
	return keys
}

func TestLimiter(t *testing.T) {
	t.Parallel()
	for name, setup := range backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()

			t.Run("BurstThenRefusesUntilATokenRefills", func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				lim := ratelimit.Limit{Rate: 2, Burst: 3}
				for i := range 3 {
					require.True(t, b.allow(t, "store:a", lim).Allowed, "burst token %d", i)
				}
				d := b.allow(t, "store:a", lim)
				require.False(t, d.Allowed)
				require.Equal(t, 500*time.Millisecond, d.RetryAfter, "one token every 1/Rate s")

				b.clock.Advance(499 * time.Millisecond)
				d = b.allow(t, "store:a", lim)
				require.False(t, d.Allowed)
				require.Equal(t, time.Millisecond, d.RetryAfter)

				b.clock.Advance(time.Millisecond)
				require.True(t, b.allow(t, "store:a", lim).Allowed)
				require.False(t, b.allow(t, "store:a", lim).Allowed)
			})

			t.Run("RefillStopsAtBurst", func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				lim := ratelimit.Limit{Rate: 10, Burst: 2}
				require.True(t, b.allow(t, "k", lim).Allowed)
				require.True(t, b.allow(t, "k", lim).Allowed)
				b.clock.Advance(time.Hour)
				require.True(t, b.allow(t, "k", lim).Allowed)
				require.True(t, b.allow(t, "k", lim).Allowed)
				require.False(t, b.allow(t, "k", lim).Allowed, "an hour idle still holds only Burst")
			})

			t.Run("KeysAreIndependent", func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				lim := ratelimit.Limit{Rate: 1, Burst: 1}
				require.True(t, b.allow(t, "store:a", lim).Allowed)
				require.False(t, b.allow(t, "store:a", lim).Allowed)
				require.True(t, b.allow(t, "store:b", lim).Allowed, "another key has its own bucket")
			})

			t.Run("SeveralLimitsTakeFromAllOrNone", func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				perSecond := ratelimit.Per(1, time.Second)
				perHour := ratelimit.Per(5, time.Hour)
				require.True(t, b.allow(t, "phone", perSecond, perHour).Allowed)
				for range 10 {
					d := b.allow(t, "phone", perSecond, perHour)
					require.False(t, d.Allowed)
					require.Equal(t, time.Second, d.RetryAfter)
				}
				// The ten refusals took nothing from the hourly bucket.
				for i := range 4 {
					b.clock.Advance(time.Second)
					require.True(t, b.allow(t, "phone", perSecond, perHour).Allowed, "second %d", i+1)
				}
				b.clock.Advance(time.Second)
				d := b.allow(t, "phone", perSecond, perHour)
				require.False(t, d.Allowed, "the hourly bucket is empty")
				require.Greater(t, d.RetryAfter, 10*time.Minute, "the longest wait wins")
				require.LessOrEqual(t, d.RetryAfter, 12*time.Minute)
			})

			t.Run("ConcurrentCallersNeverOverspend", func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				lim := ratelimit.Limit{Rate: 0.001, Burst: 20}
				var allowed atomic.Int64
				var wg sync.WaitGroup
				for range 10 {
					wg.Go(func() {
						for range 10 {
							d, err := b.lim.Allow(t.Context(), "hot", lim)
							if err == nil && d.Allowed {
								allowed.Add(1)
							}
						}
					})
				}
				wg.Wait()
				require.EqualValues(t, 20, allowed.Load())
			})

			t.Run("AClockBehindTheBucketRefillsNothing", func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				lim := ratelimit.Limit{Rate: 1, Burst: 2}
				require.True(t, b.allow(t, "k", lim).Allowed)
				require.True(t, b.allow(t, "k", lim).Allowed)
				behind := ratelimit.New(b.rdb, b.prefix).WithClock(func() time.Time { return b.clock.Now().Add(-time.Minute) })
				d, err := behind.Allow(t.Context(), "k", lim)
				require.NoError(t, err)
				require.False(t, d.Allowed)
				b.clock.Advance(time.Second)
				require.True(t, b.allow(t, "k", lim).Allowed, "the slow replica did not move the bucket's time back")
			})

			t.Run("IdleBucketsExpire", func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				lim := ratelimit.Limit{Rate: 100, Burst: 5}
				require.True(t, b.allow(t, "idle", lim).Allowed)
				keys := b.keys(t)
				require.Len(t, keys, 1)
				ttl, err := b.rdb.PTTL(t.Context(), keys[0]).Result()
				require.NoError(t, err)
				require.Greater(t, ttl, time.Duration(0))
				require.LessOrEqual(t, ttl, 50*time.Millisecond+time.Second, "the refill time and a margin")
				b.expired(t, keys[0])
				b.clock.Advance(time.Second)
				for range 5 {
					require.True(t, b.allow(t, "idle", lim).Allowed, "an expired bucket is a full one")
				}
			})

			t.Run("InvalidLimitsAreRefused", func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				for _, lims := range [][]ratelimit.Limit{
					nil,
					{{Rate: 0, Burst: 1}},
					{{Rate: 1, Burst: 0}},
					{{Rate: -1, Burst: 1}},
					{{Rate: 1, Burst: 1}, {Rate: 1}},
				} {
					_, err := b.lim.Allow(t.Context(), "k", lims...)
					require.ErrorIs(t, err, ratelimit.ErrInvalidLimit, "%+v", lims)
				}
				require.Empty(t, b.keys(t))
			})
		})
	}
}

func TestPer(t *testing.T) {
	t.Parallel()
	require.Equal(t, ratelimit.Limit{Rate: 3.0 / 120, Burst: 3}, ratelimit.Per(3, 2*time.Minute))
}

// BenchmarkAllow measures one Allow on the test Redis (miniredis, or the
// SOKOHUB_REDIS_URL one), over many keys from parallel callers.
func BenchmarkAllow(b *testing.B) {
	rdb, prefix := ratelimittest.Redis(b)
	lim := ratelimit.New(rdb, prefix)
	limits := []ratelimit.Limit{ratelimit.Per(3, 2*time.Minute), ratelimit.Per(10, time.Hour)}
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := "bench:" + strconv.FormatInt(n.Add(1)%1000, 10)
			if _, err := lim.Allow(b.Context(), key, limits...); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func TestParseLimits(t *testing.T) {
	t.Parallel()
	got, err := ratelimit.ParseLimits("3/2m, 10/1h")
	require.NoError(t, err)
	require.Equal(t, []ratelimit.Limit{ratelimit.Per(3, 2*time.Minute), ratelimit.Per(10, time.Hour)}, got)
	for _, bad := range []string{"", "3", "x/2m", "0/2m", "3/0s", "3/-1m", "3/2q", "3/2m,"} {
		_, err := ratelimit.ParseLimits(bad)
		require.Error(t, err, "%q", bad)
	}
}
