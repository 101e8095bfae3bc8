package webhooks

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/outbox"
)

func TestEndpointLifecycle(t *testing.T) {
	t.Parallel()

	t.Run("PausesAfterFiveDaysOfFailuresAndResumesWithHeldDeliveries", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		var up atomic.Bool
		rcv := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
			if !up.Load() {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		})
		ep, _ := b.endpoint(t, rcv.srv.URL)
		start := b.clock.Now()

		// Day 0: the first delivery fails; it is retried on schedule.
		_, jobs := b.event(t, outbox.OrderPaid)
		first := only(t, jobs).ID
		require.NoError(t, b.deliverer.Deliver(t.Context(), first))
		require.WithinDuration(t, start, b.reload(t, ep).FailingSince, time.Millisecond)
		only(t, b.queue.take())

		// Just short of 5 days later a new event still fails without pausing.
		b.clock.Advance(PauseAfter - time.Minute)
		_, jobs = b.event(t, outbox.OrderPaid)
		require.NoError(t, b.deliverer.Deliver(t.Context(), only(t, jobs).ID))
		only(t, b.queue.take())
		require.Equal(t, EndpointActive, b.reload(t, ep).Status)

		// Past 5 days of failures: paused, not deleted, and the merchant is told.
		b.clock.Advance(2 * time.Minute)
		_, jobs = b.event(t, outbox.OrderPaid)
		third := only(t, jobs).ID
		require.NoError(t, b.deliverer.Deliver(t.Context(), third))
		require.Empty(t, b.queue.take(), "a pausing failure schedules no retry")
		cur := b.reload(t, ep)
		require.Equal(t, EndpointPaused, cur.Status)
		require.Contains(t, cur.StatusReason, "every delivery failed since")
		require.False(t, cur.PausedAt.IsZero())
		ev := requireEvent(t, b, outbox.EndpointPaused)
		require.Equal(t, ep.ID, dig(ev, "data", "endpoint", "id"))
		require.Equal(t, EndpointPaused, dig(ev, "data", "endpoint", "status"))
		require.Equal(t, DeliveryHeld, b.delivery(t, third).Status)
		hits := rcv.hits.Load()

		// While paused, a due retry and new events are held, not sent.
		require.NoError(t, b.deliverer.Deliver(t.Context(), first))
		_, jobs = b.event(t, outbox.OrderPaid)
		require.Empty(t, jobs)
		require.Equal(t, hits, rcv.hits.Load())
		held, err := ListDeliveries(t.Context(), b.db, DeliveryFilter{StoreID: b.storeID, EndpointID: ep.ID, Status: DeliveryHeld})
		require.NoError(t, err)
		require.Len(t, held, 4)
		require.ErrorIs(t, b.deliverer.Replay(t.Context(), b.storeID, ep.ID, first), ErrEndpointPaused)

		// The merchant fixes the receiver and resumes: everything held goes out.
		up.Store(true)
		n, err := b.deliverer.Resume(t.Context(), b.storeID, ep.ID)
		require.NoError(t, err)
		require.Equal(t, 4, n)
		cur = b.reload(t, ep)
		require.Equal(t, EndpointActive, cur.Status)
		require.True(t, cur.FailingSince.IsZero())
		require.Empty(t, cur.StatusReason)
		resumed := b.queue.take()
		require.Len(t, resumed, 4)
		for _, j := range resumed {
			require.Zero(t, j.Delay)
			require.NoError(t, b.deliverer.Deliver(t.Context(), j.ID))
			require.Equal(t, DeliveryDelivered, b.delivery(t, j.ID).Status)
		}
		require.Equal(t, hits+4, rcv.hits.Load())
	})

	t.Run("RotationSignsWithBothSecretsFor24Hours", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		rcv := newReceiver(t, nil)
		ep, oldSecret := b.endpoint(t, rcv.srv.URL)

		_, newSecret, err := b.endpoints.Rotate(t.Context(), b.db, b.storeID, ep.ID, b.clock.Now())
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(newSecret, "whsec_"))
		require.NotEqual(t, oldSecret, newSecret)
		require.WithinDuration(t, b.clock.Now().Add(RotationOverlap), b.reload(t, ep).PreviousSecretExpiresAt, time.Millisecond)

		deliver := func() (http.Header, []byte) {
			_, jobs := b.event(t, outbox.OrderPaid)
			require.NoError(t, b.deliverer.Deliver(t.Context(), only(t, jobs).ID))
			return *rcv.header.Load(), *rcv.body.Load()
		}
		h, body := deliver()
		require.Len(t, strings.Fields(h.Get("webhook-signature")), 2)
		require.NoError(t, Verify(oldSecret, h, body, b.clock.Now()), "receivers still on the old secret keep working")
		require.NoError(t, Verify(newSecret, h, body, b.clock.Now()))
		ts := b.clock.Now().Unix()
		require.Contains(t, h.Get("webhook-signature"), specSign(t, oldSecret, h.Get("webhook-id"), ts, string(body)))
		require.Contains(t, h.Get("webhook-signature"), specSign(t, newSecret, h.Get("webhook-id"), ts, string(body)))

		b.clock.Advance(RotationOverlap + time.Second)
		h, body = deliver()
		require.Len(t, strings.Fields(h.Get("webhook-signature")), 1)
		require.ErrorIs(t, Verify(oldSecret, h, body, b.clock.Now()), ErrNoMatch)
		require.NoError(t, Verify(newSecret, h, body, b.clock.Now()))

		// Rotating twice drops the oldest secret at once.
		_, third, err := b.endpoints.Rotate(t.Context(), b.db, b.storeID, ep.ID, b.clock.Now())
		require.NoError(t, err)
		_, fourth, err := b.endpoints.Rotate(t.Context(), b.db, b.storeID, ep.ID, b.clock.Now())
		require.NoError(t, err)
		h, body = deliver()
		require.NoError(t, Verify(third, h, body, b.clock.Now()))
		require.NoError(t, Verify(fourth, h, body, b.clock.Now()))
		require.ErrorIs(t, Verify(newSecret, h, body, b.clock.Now()), ErrNoMatch)

		_, _, err = b.endpoints.Rotate(t.Context(), b.db, b.newStore(t, "other"), ep.ID, b.clock.Now())
		require.Error(t, err, "another store cannot rotate it")
	})

	t.Run("ReplayOneAndRecoverAllFailedSince", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		var up atomic.Bool
		rcv := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
			if !up.Load() {
				w.WriteHeader(http.StatusGone) // fails for good at once
			}
		})
		ep, _ := b.endpoint(t, rcv.srv.URL)
		var failed []string
		for range 3 {
			_, jobs := b.event(t, outbox.OrderPaid)
			id := only(t, jobs).ID
			require.NoError(t, b.deliverer.Deliver(t.Context(), id))
			failed = append(failed, id)
			if b.reload(t, ep).Status == EndpointDisabled {
				_, err := b.deliverer.Resume(t.Context(), b.storeID, ep.ID)
				require.NoError(t, err)
			}
			b.clock.Advance(time.Hour)
		}
		for _, id := range failed {
			require.Equal(t, DeliveryFailed, b.delivery(t, id).Status)
		}
		up.Store(true)

		require.NoError(t, b.deliverer.Replay(t.Context(), b.storeID, ep.ID, failed[0]))
		job := only(t, b.queue.take())
		require.Equal(t, failed[0], job.ID)
		require.NoError(t, b.deliverer.Deliver(t.Context(), job.ID))
		dl := b.delivery(t, failed[0])
		require.Equal(t, DeliveryDelivered, dl.Status)
		require.EqualValues(t, 2, dl.Attempts, "the log keeps the failed attempt")

		// Everything failed since the second delivery was made.
		since := b.delivery(t, failed[1]).CreatedAt
		n, err := b.deliverer.Recover(t.Context(), b.storeID, ep.ID, since)
		require.NoError(t, err)
		require.Equal(t, 2, n)
		for _, j := range b.queue.take() {
			require.NoError(t, b.deliverer.Deliver(t.Context(), j.ID))
		}
		for _, id := range failed {
			require.Equal(t, DeliveryDelivered, b.delivery(t, id).Status)
		}
		n, err = b.deliverer.Recover(t.Context(), b.storeID, ep.ID, since)
		require.NoError(t, err)
		require.Zero(t, n, "nothing failed is left")
		require.Error(t, b.deliverer.Replay(t.Context(), b.storeID, ep.ID, "dlv_unknown"))
	})

	t.Run("TestEventGoesToThatEndpointOnly", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		target, other := newReceiver(t, nil), newReceiver(t, nil)
		ep, secret := b.endpoint(t, target.srv.URL)
		b.endpoint(t, other.srv.URL)
		dl, err := b.deliverer.SendTest(t.Context(), b.storeID, ep.ID)
		require.NoError(t, err)
		job := only(t, b.queue.take())
		require.Equal(t, dl.ID, job.ID)
		require.NoError(t, b.relay.Poll(t.Context()))
		require.Empty(t, b.queue.take(), "the test event is never relayed to other endpoints")
		require.NoError(t, b.deliverer.Deliver(t.Context(), job.ID))
		require.EqualValues(t, 1, target.hits.Load())
		require.Zero(t, other.hits.Load())
		body := *target.body.Load()
		require.NoError(t, Verify(secret, *target.header.Load(), body, b.clock.Now()))
		require.Contains(t, string(body), `"type":"endpoint.test"`)
		require.Contains(t, string(body), ep.ID)
	})
}

func TestOutboxSurvivesRedisDown(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rcv := newReceiver(t, nil)
	b.endpoint(t, rcv.srv.URL)
	e, err := outbox.Record(t.Context(), b.db, b.storeID, outbox.OrderPaid, "", map[string]any{})
	require.NoError(t, err)

	// Redis is down when the relay commits: the delivery row exists, the
	// failed enqueue is logged, and the sweeper sends it once Redis is back.
	b.queue.setDown(true)
	require.NoError(t, b.relay.Poll(t.Context()), "a failed enqueue is logged, not fatal")
	require.Empty(t, b.unrelayed(t), "relaying needs only the database")
	n, err := b.db.NewSelect().Model((*Delivery)(nil)).Where("event_id = ?", e.ID).Count(t.Context())
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	b.queue.setDown(false)
	require.Empty(t, b.queue.take())
	require.NoError(t, b.relay.Sweep(t.Context()))
	require.Empty(t, b.queue.take(), "not overdue yet")
	_, err = b.db.NewUpdate().Model((*Delivery)(nil)).Set("next_attempt_at = ?", time.Now().Add(-2*sweepGrace)).
		Where("event_id = ?", e.ID).Exec(t.Context())
	require.NoError(t, err)
	require.NoError(t, b.relay.Sweep(t.Context()))
	require.NoError(t, b.deliverer.Deliver(t.Context(), only(t, b.queue.take()).ID))
	require.EqualValues(t, 1, rcv.hits.Load())
}

func dig(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}
