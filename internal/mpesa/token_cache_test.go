package mpesa

import (
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// cacheBundle is one TokenCache under test with a way to move its clock.
type cacheBundle struct {
	cache   TokenCache
	advance func(time.Duration)
}

func TestTokenCaches(t *testing.T) {
	t.Parallel()
	setups := map[string]func(t *testing.T) *cacheBundle{
		"Memory": func(*testing.T) *cacheBundle {
			m := NewMemoryTokenCache().(*memoryTokenCache)
			var mu sync.Mutex
			now := time.Now()
			m.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			return &cacheBundle{cache: m, advance: func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }}
		},
		"Redis": func(t *testing.T) *cacheBundle {
			mr := miniredis.RunT(t)
			rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
			t.Cleanup(func() { _ = rdb.Close() })
			return &cacheBundle{cache: NewRedisTokenCache(rdb, "soko:"), advance: mr.FastForward}
		},
	}
	for name, setup := range setups {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			t.Run("GetSetExpireDelete", func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				ctx := t.Context()
				_, ok, err := b.cache.Get(ctx, "app")
				require.NoError(t, err)
				require.False(t, ok)

				require.NoError(t, b.cache.Set(ctx, "app", "tok-1", time.Minute))
				tok, ok, err := b.cache.Get(ctx, "app")
				require.NoError(t, err)
				require.True(t, ok)
				require.Equal(t, "tok-1", tok)

				b.advance(61 * time.Second)
				_, ok, err = b.cache.Get(ctx, "app")
				require.NoError(t, err)
				require.False(t, ok, "expired")

				require.NoError(t, b.cache.Set(ctx, "app", "tok-2", time.Minute))
				require.NoError(t, b.cache.Delete(ctx, "app"))
				_, ok, err = b.cache.Get(ctx, "app")
				require.NoError(t, err)
				require.False(t, ok, "deleted")
			})
			t.Run("LockIsExclusiveAndExpires", func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				ctx := t.Context()
				unlock, ok, err := b.cache.Lock(ctx, "app", 10*time.Second)
				require.NoError(t, err)
				require.True(t, ok)
				_, ok, err = b.cache.Lock(ctx, "app", 10*time.Second)
				require.NoError(t, err)
				require.False(t, ok, "held")
				_, ok, err = b.cache.Lock(ctx, "other-app", 10*time.Second)
				require.NoError(t, err)
				require.True(t, ok, "per key")
				unlock()
				unlock2, ok, err := b.cache.Lock(ctx, "app", 10*time.Second)
				require.NoError(t, err)
				require.True(t, ok, "released")

				// The first holder's late unlock must not free the second's lock.
				b.advance(11 * time.Second)
				_, ok, err = b.cache.Lock(ctx, "app", 10*time.Second)
				require.NoError(t, err)
				require.True(t, ok, "expired lock taken over")
				unlock2()
				_, ok, err = b.cache.Lock(ctx, "app", 10*time.Second)
				require.NoError(t, err)
				require.False(t, ok, "stale unlock released nothing")
			})
		})
	}
}

func TestRedisTokenCacheKeys(t *testing.T) {
	t.Parallel()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	c := NewRedisTokenCache(rdb, "soko:")
	key := paybillCreds().CacheKey()

	require.NoError(t, c.Set(t.Context(), key, "tok", time.Hour))
	got, err := mr.Get("soko:mpesa:token:" + key)
	require.NoError(t, err)
	require.Equal(t, "tok", got)
	require.Equal(t, time.Hour, mr.TTL("soko:mpesa:token:"+key))

	_, ok, err := c.Lock(t.Context(), key, 15*time.Second)
	require.NoError(t, err)
	require.True(t, ok)
	val, err := mr.Get("soko:mpesa:token-lock:" + key)
	require.NoError(t, err)
	require.Len(t, val, 32, "random lock value")
	for _, k := range mr.Keys() {
		require.NotContains(t, k, paybillCreds().ConsumerSecret)
	}
}

func TestRedisTokenCacheErrors(t *testing.T) {
	t.Parallel()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	c := NewRedisTokenCache(rdb, "")
	mr.Close()
	_, _, err := c.Get(t.Context(), "k")
	require.Error(t, err)
	_, ok, err := c.Lock(t.Context(), "k", time.Second)
	require.Error(t, err)
	require.False(t, ok)

	// A push whose token cache is down is not sent and is retryable.
	cr := paybillCreds()
	f := newFakeDaraja(t, cr)
	res, err := newTestClient(f, c).Push(t.Context(), cr, validPush())
	require.NoError(t, err)
	require.Equal(t, OutcomeTransient, res.Outcome)
	mints, pushes, _ := f.counts()
	require.Zero(t, mints+pushes)
}
