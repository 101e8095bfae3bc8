package payments

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/db/dbtest"
	"github.com/sokohub/sokohub/internal/mpesa"
	"github.com/sokohub/sokohub/internal/mpesa/simulator"
	"github.com/sokohub/sokohub/internal/queue"
	"github.com/sokohub/sokohub/internal/queue/queuetest"
	"github.com/sokohub/sokohub/internal/ratelimit"
	"github.com/sokohub/sokohub/internal/ratelimit/ratelimittest"
	"github.com/sokohub/sokohub/internal/secrets"
	"github.com/sokohub/sokohub/internal/tokens"
	"github.com/sokohub/sokohub/tenants/orders"
	"github.com/sokohub/sokohub/tenants/stores"
)

// darajaCalls counts the requests that reached the simulator, by path.
type darajaCalls struct {
	mu    sync.Mutex
	paths map[string]int
	next  http.Handler
}

func (d *darajaCalls) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	d.paths[r.URL.Path]++
	d.mu.Unlock()
	d.next.ServeHTTP(w, r)
}

func (d *darajaCalls) count(path string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.paths[path]
}

const (
	pushPath  = "/mpesa/stkpush/v1/processrequest"
	queryPath = "/mpesa/stkpushquery/v1/query"
)

type throttleBundle struct {
	*bundle
	jobs   *queuetest.Recorder
	clock  *ratelimittest.Clock
	calls  *darajaCalls
	vault  *stores.Vault
	signup *auth.Service
}

// setupThrottled is a Service talking to an in-process simulator, with a
// store limit of 2 at once and then one every 10 s, on a clock the test
// moves.
func setupThrottled(t *testing.T) *throttleBundle {
	t.Helper()
	d := dbtest.Open(t)
	key, err := secrets.GenerateMasterKey()
	require.NoError(t, err)
	master, err := secrets.ParseMasterKey(key)
	require.NoError(t, err)
	keys, err := secrets.NewKeyring(master)
	require.NoError(t, err)
	sim := simulator.New(simulator.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	calls := &darajaCalls{paths: map[string]int{}, next: sim.Handler()}
	srv := httptest.NewServer(calls)
	t.Cleanup(func() { srv.Close(); sim.Close() })

	rdb, prefix := ratelimittest.Redis(t)
	clock := ratelimittest.NewClock()
	jobs := &queuetest.Recorder{}
	vault := stores.NewVault(keys)
	svc := NewService(Config{DB: d, Daraja: mpesa.NewClient(mpesa.Options{BaseURL: srv.URL}), Vault: vault, Queue: jobs,
		// Callbacks go nowhere: these attempts stay prompted.
		PublicURL: "http://127.0.0.1:1", Tokens: tokens.NewDeriver([]byte("k")),
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Limiter:     ratelimit.New(rdb, prefix).WithClock(clock.Now),
		StoreLimits: []ratelimit.Limit{{Rate: 0.1, Burst: 2}}})
	return &throttleBundle{bundle: &bundle{db: d, svc: svc, ctx: t.Context()}, jobs: jobs, clock: clock, calls: calls,
		vault: vault, signup: auth.NewService(d)}
}

// newStore opens a store with the simulator's sandbox paybill.
func (b *throttleBundle) newStore(t *testing.T, slug string) *stores.Store {
	t.Helper()
	u, _, err := b.signup.Signup(b.ctx, slug+"@example.com", "correct horse", "Owner")
	require.NoError(t, err)
	st, err := stores.Create(b.ctx, b.db, u.ID, slug, "Shop")
	require.NoError(t, err)
	_, err = b.vault.Save(b.ctx, b.db, st.ID, mpesa.Credentials{Environment: mpesa.EnvSandbox, Type: mpesa.TypePaybill,
		Shortcode: simulator.DefaultPaybill, Passkey: simulator.SandboxPasskey,
		ConsumerKey: simulator.DefaultConsumerKey, ConsumerSecret: simulator.DefaultConsumerSecret})
	require.NoError(t, err)
	return st
}

// newAttempt writes a pending KES 100 order of st and its queued attempt
// to phone (one phone per attempt: Daraja locks a phone with a live prompt).
func (b *throttleBundle) newAttempt(t *testing.T, st *stores.Store, number int64, phone string) *Attempt {
	t.Helper()
	now := db.Now()
	o := &orders.Order{ID: db.NewID("ord"), StoreID: st.ID, Number: number, Status: orders.StatusPending, Total: 10000,
		Currency: "KES", Phone: phone, TokenHash: "h", Sequence: 1, CreatedAt: now, UpdatedAt: now}
	_, err := b.db.NewInsert().Model(o).Exec(b.ctx)
	require.NoError(t, err)
	a, err := b.svc.Start(b.ctx, b.db, st.ID, o.ID, phone, o.Total, o.Currency)
	require.NoError(t, err)
	return a
}

func task(typ string, a *Attempt) *asynq.Task {
	body, _ := json.Marshal(queue.Payload{ID: a.ID, StoreID: a.StoreID})
	return asynq.NewTask(typ, body)
}

func (b *throttleBundle) reload(t *testing.T, a *Attempt) *Attempt {
	t.Helper()
	cur, err := get(b.ctx, b.db, a.ID)
	require.NoError(t, err)
	return cur
}

// deferred returns the throttled jobs of type typ recorded for a.
func (b *throttleBundle) deferred(typ string, a *Attempt) []queue.Job {
	var out []queue.Job
	for _, j := range b.jobs.Jobs() {
		if j.Type == typ && j.ID == a.ID && strings.HasPrefix(j.Key, "throttled-") {
			out = append(out, j)
		}
	}
	return out
}

func TestStoreRateLimit(t *testing.T) {
	t.Parallel()
	b := setupThrottled(t)
	busy, calm := b.newStore(t, "busy"), b.newStore(t, "calm")
	first := b.newAttempt(t, busy, 1001, "254711000001")
	second := b.newAttempt(t, busy, 1002, "254711000002")
	third := b.newAttempt(t, busy, 1003, "254711000003")
	other := b.newAttempt(t, calm, 1001, "254711000004")

	t.Run("AStoreOverItsLimitHasItsPushDelayedNotRejected", func(t *testing.T) {
		for _, a := range []*Attempt{first, second, third, other} {
			require.NoError(t, b.svc.HandlePush(b.ctx, task(queue.TypeSTKPush, a)),
				"a throttled push ends its task without error: no Asynq retry is used up")
		}
		require.Equal(t, 3, b.calls.count(pushPath), "the third push of the busy store never reached Daraja")
		for _, a := range []*Attempt{first, second, other} {
			require.Equal(t, StatusPrompted, b.reload(t, a).Status)
		}
		held := b.reload(t, third)
		require.Equal(t, StatusQueued, held.Status, "delayed, not rejected")
		require.True(t, held.PushStartedAt.IsZero(), "the claim is released for the deferred run")
		jobs := b.deferred(queue.TypeSTKPush, third)
		require.Len(t, jobs, 1, "not lost: a new push task waits for the next token")
		require.Equal(t, busy.ID, jobs[0].StoreID)
		require.InDelta(t, float64(ratelimitWait), float64(jobs[0].Delay), float64(ratelimitWait/100))
	})

	t.Run("TheDeferredPushGoesOutOnceATokenRefills", func(t *testing.T) {
		b.clock.Advance(b.deferred(queue.TypeSTKPush, third)[0].Delay)
		require.NoError(t, b.svc.HandlePush(b.ctx, task(queue.TypeSTKPush, third)))
		require.Equal(t, 4, b.calls.count(pushPath))
		require.Equal(t, StatusPrompted, b.reload(t, third).Status)
	})

	t.Run("QueriesShareTheStoreBucket", func(t *testing.T) {
		require.NoError(t, b.svc.HandleQuery(b.ctx, task(queue.TypeSTKQuery, first)))
		require.Zero(t, b.calls.count(queryPath), "the busy store's bucket is empty")
		require.Len(t, b.deferred(queue.TypeSTKQuery, first), 1)
		require.Zero(t, b.reload(t, first).Queries, "a deferred query is not counted against the attempt")

		require.NoError(t, b.svc.HandleQuery(b.ctx, task(queue.TypeSTKQuery, other)))
		require.Equal(t, 1, b.calls.count(queryPath), "the other store is unaffected")
		require.EqualValues(t, 1, b.reload(t, other).Queries)
	})
}

// ratelimitWait is the wait for one token at the test's limit of 0.1/s.
const ratelimitWait = 10 * time.Second

// TestAPushWaitsOutADatabaseThatFails: when reading what the push needs
// fails, the attempt is left unclaimed for the task's retry (not claimed
// with nothing sent, which would hold the customer until the sweeper).
func TestAPushWaitsOutADatabaseThatFails(t *testing.T) {
	t.Parallel()
	b := setupThrottled(t)
	st := b.newStore(t, "duka")
	a := b.newAttempt(t, st, 1001, "254712345601")
	_, err := b.db.ExecContext(b.ctx, "ALTER TABLE mpesa_credentials RENAME TO mpesa_credentials_away")
	require.NoError(t, err)
	require.Error(t, b.svc.HandlePush(b.ctx, task(queue.TypeSTKPush, a)), "the task is retried")
	cur := b.reload(t, a)
	require.Equal(t, StatusQueued, cur.Status)
	require.True(t, cur.PushStartedAt.IsZero(), "not claimed")
	require.Zero(t, b.calls.count(pushPath))

	_, err = b.db.ExecContext(b.ctx, "ALTER TABLE mpesa_credentials_away RENAME TO mpesa_credentials")
	require.NoError(t, err)
	require.NoError(t, b.svc.HandlePush(b.ctx, task(queue.TypeSTKPush, a)))
	require.Equal(t, StatusPrompted, b.reload(t, a).Status)
	require.Equal(t, 1, b.calls.count(pushPath))
}
