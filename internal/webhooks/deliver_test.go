package webhooks

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/internal/queue"
)

// only returns the single job in js.
func only(t *testing.T, js []queue.Job) queue.Job {
	t.Helper()
	require.Len(t, js, 1, "jobs: %+v", js)
	return js[0]
}

func TestDeliver(t *testing.T) {
	t.Parallel()

	t.Run("FollowsTheRetryScheduleThenFails", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		rcv := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
		b.endpoint(t, rcv.srv.URL)
		_, jobs := b.event(t, outbox.OrderPaid)
		job := only(t, jobs)
		require.Equal(t, queue.TypeDeliver, job.Type)
		require.Zero(t, job.Delay, "the first try is immediate")

		start := b.clock.Now()
		for i, want := range Schedule {
			require.NoError(t, b.deliverer.Deliver(t.Context(), job.ID))
			require.EqualValues(t, i+1, rcv.hits.Load())
			next := only(t, b.queue.take())
			require.InDelta(t, float64(want), float64(next.Delay), float64(want)/10+1, "retry %d", i+1)
			dl := b.delivery(t, job.ID)
			require.Equal(t, DeliveryPending, dl.Status)
			require.WithinDuration(t, b.clock.Now().Add(next.Delay), dl.NextAttemptAt, time.Millisecond)

			// A duplicate task before the retry is due sends nothing.
			require.NoError(t, b.deliverer.Deliver(t.Context(), job.ID))
			require.EqualValues(t, i+1, rcv.hits.Load(), "an early task must not send")
			b.clock.Advance(next.Delay)
		}
		require.NoError(t, b.deliverer.Deliver(t.Context(), job.ID))
		require.EqualValues(t, 8, rcv.hits.Load(), "immediately, then 7 retries")
		require.Empty(t, b.queue.take(), "no retry after the last")
		dl := b.delivery(t, job.ID)
		require.Equal(t, DeliveryFailed, dl.Status)
		require.EqualValues(t, 8, dl.Attempts)
		require.EqualValues(t, 500, dl.LastStatusCode)
		require.Equal(t, 8, b.attempts(t, job.ID))
		elapsed := b.clock.Now().Sub(start)
		require.Greater(t, elapsed, 24*time.Hour)
		require.Less(t, elapsed, 30*time.Hour)
	})

	t.Run("HonoursRetryAfter", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		rcv := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
		})
		b.endpoint(t, rcv.srv.URL)
		_, jobs := b.event(t, outbox.OrderPaid)
		require.NoError(t, b.deliverer.Deliver(t.Context(), only(t, jobs).ID))
		require.Equal(t, time.Hour, only(t, b.queue.take()).Delay, "Retry-After beats the 5 s retry")
	})

	t.Run("SuccessClearsTheFailureStreak", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		var fail atomic.Bool
		fail.Store(true)
		rcv := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
			if fail.Load() {
				w.WriteHeader(http.StatusBadGateway)
			}
		})
		ep, _ := b.endpoint(t, rcv.srv.URL)
		_, jobs := b.event(t, outbox.OrderPaid)
		id := only(t, jobs).ID
		require.NoError(t, b.deliverer.Deliver(t.Context(), id))
		require.False(t, b.reload(t, ep).FailingSince.IsZero())
		b.clock.Advance(only(t, b.queue.take()).Delay)
		fail.Store(false)
		require.NoError(t, b.deliverer.Deliver(t.Context(), id))
		dl := b.delivery(t, id)
		require.Equal(t, DeliveryDelivered, dl.Status)
		require.False(t, dl.DeliveredAt.IsZero())
		require.True(t, b.reload(t, ep).FailingSince.IsZero())
		require.Empty(t, b.queue.take())
	})

	t.Run("GoneDisablesTheEndpoint", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		rcv := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusGone) })
		ep, _ := b.endpoint(t, rcv.srv.URL)
		_, jobs := b.event(t, outbox.OrderPaid)
		id := only(t, jobs).ID
		require.NoError(t, b.deliverer.Deliver(t.Context(), id))
		require.Empty(t, b.queue.take(), "410 is never retried")
		require.Equal(t, DeliveryFailed, b.delivery(t, id).Status)
		cur := b.reload(t, ep)
		require.Equal(t, EndpointDisabled, cur.Status)
		require.Contains(t, cur.StatusReason, "410")
		requireEvent(t, b, outbox.EndpointDisabled)

		// Nothing new goes to a disabled endpoint; resuming it re-enables it.
		_, jobs = b.event(t, outbox.OrderPaid)
		require.Empty(t, jobs)
		_, err := b.deliverer.Resume(t.Context(), b.storeID, ep.ID)
		require.NoError(t, err)
		require.Equal(t, EndpointActive, b.reload(t, ep).Status)
		_, err = b.deliverer.Resume(t.Context(), b.storeID, ep.ID)
		require.ErrorIs(t, err, ErrNotPaused)
	})

	t.Run("DuplicateTasksSendOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		release := make(chan struct{})
		rcv := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) { <-release })
		b.endpoint(t, rcv.srv.URL)
		_, jobs := b.event(t, outbox.OrderPaid)
		id := only(t, jobs).ID
		done := make(chan error)
		go func() { done <- b.deliverer.Deliver(t.Context(), id) }()
		waitFor(t, func() bool { return rcv.hits.Load() == 1 })
		require.NoError(t, b.deliverer.Deliver(t.Context(), id), "the lease makes the duplicate a no-op")
		close(release)
		require.NoError(t, <-done)
		require.EqualValues(t, 1, rcv.hits.Load())
		require.Equal(t, DeliveryDelivered, b.delivery(t, id).Status)
	})

	t.Run("LogsEveryAttempt", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		rcv := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(strings.Repeat("e", 5000)))
		})
		ep, _ := b.endpoint(t, rcv.srv.URL, outbox.OrderPaid, outbox.OrderCreated)
		e, jobs := b.event(t, outbox.OrderPaid)
		_, others := b.event(t, outbox.OrderCreated)
		require.NoError(t, b.deliverer.Deliver(t.Context(), only(t, jobs).ID))
		require.NoError(t, b.deliverer.Deliver(t.Context(), only(t, others).ID))

		ds, err := ListDeliveries(t.Context(), b.db, DeliveryFilter{StoreID: b.storeID, EndpointID: ep.ID, EventType: outbox.OrderPaid})
		require.NoError(t, err)
		require.Len(t, ds, 1)
		d := ds[0]
		require.Equal(t, outbox.OrderPaid, d.EventType)
		require.Equal(t, e.ID, d.EventID)
		require.Len(t, d.Attempts, 1)
		a := d.Attempts[0]
		require.Equal(t, rcv.srv.URL, a.Request.URL)
		require.Equal(t, e.Payload, a.Request.Body)
		require.Equal(t, e.ID, a.Request.Headers["Webhook-Id"])
		require.Equal(t, "application/json", a.Request.Headers["Content-Type"])
		require.Equal(t, "v1,<redacted>", a.Request.Headers["Webhook-Signature"])
		require.EqualValues(t, 400, a.Response.Status)
		require.Len(t, a.Response.Body, 4096)
		require.GreaterOrEqual(t, a.DurationMs, int64(0))

		all, err := ListDeliveries(t.Context(), b.db, DeliveryFilter{StoreID: b.storeID, Status: DeliveryPending})
		require.NoError(t, err)
		require.Len(t, all, 2)
		none, err := ListDeliveries(t.Context(), b.db, DeliveryFilter{StoreID: b.storeID, Status: DeliveryDelivered})
		require.NoError(t, err)
		require.Empty(t, none)
		other, err := ListDeliveries(t.Context(), b.db, DeliveryFilter{StoreID: b.newStore(t, "other")})
		require.NoError(t, err)
		require.Empty(t, other, "another store sees none of them")
	})
}

// requireEvent finds the one event of type typ in the bundle's store.
func requireEvent(t *testing.T, b *testBundle, typ string) map[string]any {
	t.Helper()
	var payloads []string
	require.NoError(t, b.db.NewSelect().Table("events").Column("payload").Where("store_id = ?", b.storeID).
		Where("type = ?", typ).Scan(t.Context(), &payloads))
	require.Len(t, payloads, 1, typ)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(payloads[0]), &m))
	return m
}

// waitFor polls cond; the bound only keeps a broken build from hanging.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never held")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
