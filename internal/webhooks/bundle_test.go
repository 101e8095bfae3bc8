package webhooks

import (
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/db/dbtest"
	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/internal/queue"
	"github.com/sokohub/sokohub/internal/secrets"
)

// fakeClock is the deliverer's clock in tests: it moves only when told, so
// a 10-hour retry takes no time.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeQueue records jobs instead of running them; down makes it fail as a
// queue with Redis unreachable does.
type fakeQueue struct {
	mu   sync.Mutex
	jobs []queue.Job
	down bool
}

func (q *fakeQueue) Enqueue(_ context.Context, j queue.Job) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.down {
		return errors.New("redis: connection refused")
	}
	q.jobs = append(q.jobs, j)
	return nil
}

// take returns and forgets the jobs recorded so far.
func (q *fakeQueue) take() []queue.Job {
	q.mu.Lock()
	defer q.mu.Unlock()
	js := q.jobs
	q.jobs = nil
	return js
}

func (q *fakeQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.jobs)
}

func (q *fakeQueue) setDown(down bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.down = down
}

type testBundle struct {
	db        *bun.DB
	clock     *fakeClock
	queue     *fakeQueue
	endpoints *Endpoints
	relay     *Relay
	deliverer *Deliverer
	storeID   string
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	d := dbtest.Open(t)
	master := make([]byte, 32)
	_, _ = rand.Read(master)
	keys, err := secrets.NewKeyring(master)
	require.NoError(t, err)
	b := &testBundle{db: d, clock: &fakeClock{now: db.Now()}, queue: &fakeQueue{}, endpoints: NewEndpoints(keys, false)}
	b.relay = NewRelay(d, b.queue, nil)
	b.deliverer = NewDeliverer(DelivererConfig{DB: d, Endpoints: b.endpoints, Sender: devSender(SenderOptions{Timeout: 5 * time.Second}),
		Queue: b.queue, Now: b.clock.Now})
	b.storeID = b.newStore(t, "kiosk")
	return b
}

func (b *testBundle) newStore(t *testing.T, slug string) string {
	t.Helper()
	ctx := t.Context()
	userID, storeID := db.NewID("usr"), db.NewID("sto")
	_, err := b.db.ExecContext(ctx, "INSERT INTO users (id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
		userID, slug+"@example.com", "Achieng", "x", db.Now())
	require.NoError(t, err)
	_, err = b.db.ExecContext(ctx, "INSERT INTO stores (id, slug, name, owner_id, status, currency, order_seq, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		storeID, slug, "Achieng's Kiosk", userID, "active", "KES", 0, db.Now())
	require.NoError(t, err)
	return storeID
}

func (b *testBundle) endpoint(t *testing.T, url string, events ...string) (*Endpoint, string) {
	t.Helper()
	if len(events) == 0 {
		events = []string{outbox.OrderPaid}
	}
	ep, secret, err := b.endpoints.Create(t.Context(), b.db, b.storeID, url, events)
	require.NoError(t, err)
	return ep, secret
}

// event records an event and relays it, returning the deliveries' jobs.
func (b *testBundle) event(t *testing.T, typ string) (*outbox.Event, []queue.Job) {
	t.Helper()
	e, err := outbox.Record(t.Context(), b.db, b.storeID, typ, "", map[string]any{"order": map[string]any{"id": "ord_1", "sequence": 2}})
	require.NoError(t, err)
	require.NoError(t, b.relay.Poll(t.Context()))
	return e, b.queue.take()
}

func (b *testBundle) delivery(t *testing.T, id string) *Delivery {
	t.Helper()
	dl := new(Delivery)
	require.NoError(t, b.db.NewSelect().Model(dl).Where("id = ?", id).Scan(t.Context()))
	return dl
}

func (b *testBundle) reload(t *testing.T, ep *Endpoint) *Endpoint {
	t.Helper()
	cur, err := Get(t.Context(), b.db, b.storeID, ep.ID)
	require.NoError(t, err)
	return cur
}

func (b *testBundle) attempts(t *testing.T, deliveryID string) int {
	t.Helper()
	n, err := b.db.NewSelect().Model((*attemptLog)(nil)).Where("delivery_id = ?", deliveryID).Count(t.Context())
	require.NoError(t, err)
	return int(n)
}
