package webhooks

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/internal/queue"
)

// record commits n order.paid events for store.
func (b *testBundle) record(t *testing.T, storeID string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		e, err := outbox.Record(t.Context(), b.db, storeID, outbox.OrderPaid, "", map[string]any{"i": i})
		require.NoError(t, err)
		ids[i] = e.ID
	}
	return ids
}

func (b *testBundle) deliveriesPerEvent(t *testing.T) map[string]int {
	t.Helper()
	var ds []Delivery
	require.NoError(t, b.db.NewSelect().Model(&ds).Column("event_id").Scan(t.Context()))
	per := map[string]int{}
	for _, d := range ds {
		per[d.EventID]++
	}
	return per
}

// unrelayed lists the events the relay has not handled yet.
func (b *testBundle) unrelayed(t *testing.T) []outbox.Event {
	t.Helper()
	var es []outbox.Event
	require.NoError(t, b.db.NewSelect().Model(&es).Where("relayed_at IS NULL").Order("created_at").Scan(t.Context()))
	return es
}

func TestRelayTakesEveryEventInBatches(t *testing.T) {
	t.Parallel()
	b := setup(t)
	other := b.newStore(t, "duka")
	b.endpoint(t, "http://127.0.0.1:1/a")
	_, _, err := b.endpoints.Create(t.Context(), b.db, other, "http://127.0.0.1:1/b", []string{outbox.OrderPaid})
	require.NoError(t, err)
	events := append(b.record(t, b.storeID, relayBatch+50), b.record(t, other, relayBatch)...)

	require.NoError(t, b.relay.Poll(t.Context()))

	unrelayed := b.unrelayed(t)
	require.Empty(t, unrelayed, "one poll relays more than one batch")
	per := b.deliveriesPerEvent(t)
	jobs := map[string]bool{}
	for _, j := range b.queue.take() {
		require.Equal(t, queue.TypeDeliver, j.Type)
		jobs[j.ID] = true
	}
	require.Len(t, jobs, len(events), "one delivery job per event")
	for _, id := range events {
		require.Equal(t, 1, per[id], "event %s: one delivery to its own store's endpoint", id)
	}
}

func TestRelaySetsABadEventAside(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.endpoint(t, "http://127.0.0.1:1/a")
	ids := b.record(t, b.storeID, 5)
	bad := ids[2]
	var mu sync.Mutex
	tries := map[string]int{}
	b.relay.fanout = []Fanout{func(_ context.Context, _ bun.IDB, es []outbox.Event) ([]queue.Job, error) {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range es {
			tries[e.ID]++
			if e.ID == bad {
				return nil, errors.New("cannot compose this event")
			}
		}
		return nil, nil
	}}

	require.NoError(t, b.relay.Poll(t.Context()))
	unrelayed := b.unrelayed(t)
	require.Len(t, unrelayed, 1, "the others are relayed")
	require.Equal(t, bad, unrelayed[0].ID)
	require.Len(t, b.queue.take(), 4)

	mu.Lock()
	tried := tries[bad]
	mu.Unlock()
	require.GreaterOrEqual(t, tried, 2, "in the batch, then alone")
	require.NoError(t, b.relay.Poll(t.Context()))
	require.Equal(t, tried, tries[bad], "not again before its backoff")

	b.relay.mu.Lock()
	b.relay.failing[bad] = time.Now().Add(-time.Second)
	b.relay.mu.Unlock()
	b.relay.fanout = nil
	require.NoError(t, b.relay.Poll(t.Context()))
	unrelayed = b.unrelayed(t)
	require.Empty(t, unrelayed, "relayed once its backoff is over")
	require.Equal(t, 1, b.deliveriesPerEvent(t)[bad])
}

// Two worker replicas poll the same outbox at once: every event gets one
// delivery and one delivery job, whoever relayed it.
func TestRelayReplicasRelayEachEventOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.endpoint(t, "http://127.0.0.1:1/a")
	events := b.record(t, b.storeID, 3*relayBatch)
	second := NewRelay(b.db, b.queue, nil)

	var wg sync.WaitGroup
	for _, r := range []*Relay{b.relay, second} {
		wg.Go(func() {
			for range 3 {
				require.NoError(t, r.Poll(t.Context()))
			}
		})
	}
	wg.Wait()

	per := b.deliveriesPerEvent(t)
	jobs := map[string]int{}
	for _, j := range b.queue.take() {
		jobs[j.ID]++
	}
	require.Len(t, jobs, len(events))
	for id, n := range jobs {
		require.Equal(t, 1, n, "delivery %s enqueued once", id)
	}
	for _, id := range events {
		require.Equal(t, 1, per[id])
	}
}
