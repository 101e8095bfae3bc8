package webhooks

import (
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/internal/queue"
)

// testRedis is SOKOHUB_REDIS_URL when set (CI), else an in-process Redis;
// keys go under a prefix of the test's own.
func testRedis(t *testing.T) (redis.UniversalClient, string) {
	t.Helper()
	prefix := "sokohub-test-" + strings.ToLower(db.NewID("lim")) + ":"
	if url := os.Getenv("SOKOHUB_REDIS_URL"); url != "" {
		opt, err := redis.ParseURL(url)
		require.NoError(t, err)
		rdb := redis.NewClient(opt)
		t.Cleanup(func() {
			keys, _ := rdb.Keys(t.Context(), prefix+"*").Result()
			if len(keys) > 0 {
				rdb.Del(t.Context(), keys...)
			}
			_ = rdb.Close()
		})
		return rdb, prefix
	}
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb, prefix
}

func TestLimiter(t *testing.T) {
	t.Parallel()

	t.Run("AtMostMaxSlotsAndLeasesExpire", func(t *testing.T) {
		t.Parallel()
		rdb, prefix := testRedis(t)
		l := NewLimiter(rdb, prefix, 2, 200*time.Millisecond)
		r1, ok, err := l.Acquire(t.Context(), "whe_a")
		require.NoError(t, err)
		require.True(t, ok)
		_, ok, err = l.Acquire(t.Context(), "whe_a")
		require.NoError(t, err)
		require.True(t, ok)
		_, ok, err = l.Acquire(t.Context(), "whe_a")
		require.NoError(t, err)
		require.False(t, ok, "a third is refused")
		_, ok, _ = l.Acquire(t.Context(), "whe_b")
		require.True(t, ok, "other endpoints have their own slots")
		r1()
		_, ok, _ = l.Acquire(t.Context(), "whe_a")
		require.True(t, ok, "a released slot is free again")
		// A holder that died frees its slot when the lease runs out.
		waitFor(t, func() bool { _, ok, _ := l.Acquire(t.Context(), "whe_a"); return ok })
	})

	t.Run("SlowEndpointCannotStarveOthers", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		rdb, prefix := testRedis(t)
		b.deliverer.Limiter = NewLimiter(rdb, prefix, DefaultConcurrency, time.Minute)

		release := make(chan struct{})
		var inFlight, most atomic.Int32
		slow := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			<-release
		})
		fast := newReceiver(t, nil)
		b.endpoint(t, slow.srv.URL, outbox.OrderPaid)
		b.endpoint(t, fast.srv.URL, outbox.OrderCreated)

		var slowJobs []queue.Job
		for range 10 {
			_, jobs := b.event(t, outbox.OrderPaid)
			slowJobs = append(slowJobs, only(t, jobs))
		}
		var wg sync.WaitGroup
		for _, j := range slowJobs {
			wg.Go(func() { require.NoError(t, b.deliverer.Deliver(t.Context(), j.ID)) })
		}
		waitFor(t, func() bool { return b.queue.len() == 6 })
		waitFor(t, func() bool { return inFlight.Load() == DefaultConcurrency })

		busy := b.queue.take()
		require.Len(t, busy, 6, "six slow deliveries wait for a slot")
		for _, j := range busy {
			require.True(t, strings.HasPrefix(j.Key, "busy"))
			require.Positive(t, j.Delay)
		}

		// The slow receiver holds its 4 slots; the fast one is served now.
		_, jobs := b.event(t, outbox.OrderCreated)
		require.NoError(t, b.deliverer.Deliver(t.Context(), only(t, jobs).ID))
		require.EqualValues(t, 1, fast.hits.Load())
		close(release)
		wg.Wait()
		require.EqualValues(t, DefaultConcurrency, most.Load())
		for _, j := range busy {
			require.NoError(t, b.deliverer.Deliver(t.Context(), j.ID))
		}
		require.EqualValues(t, 10, slow.hits.Load())
		n, err := b.deliverer.Limiter.InFlight(t.Context(), "any")
		require.NoError(t, err)
		require.Zero(t, n)
	})
}
