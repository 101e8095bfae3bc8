package observability

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/hibiken/asynq"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/db/dbtest"
)

// scrape reads r's /metrics as a Prometheus server would.
func scrape(t *testing.T, r *Registry) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	require.Equal(t, 200, rec.Code)
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(rec.Body)
	require.NoError(t, err)
	return mfs
}

// value is the value of the series of family name whose labels include
// labels; ok is false when there is none.
func value(mfs map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	mf, ok := mfs[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range mf.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

func TestHTTPMetricsUseRouteTemplatesNeverPaths(t *testing.T) {
	t.Parallel()
	reg := NewRegistry()
	h := reg.NewHTTP(nil)
	app := fiber.New()
	app.Use(h.Middleware())
	app.Post("/callbacks/stk/:token", func(c *fiber.Ctx) error { return c.SendStatus(200) })
	app.Get("/boom", func(c *fiber.Ctx) error { return errors.New("db down") })
	app.Get("/gone", func(c *fiber.Ctx) error { return fiber.ErrGone })
	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	for _, req := range []struct{ method, path string }{
		{"POST", "/callbacks/stk/tok_secret_one"}, {"POST", "/callbacks/stk/tok_secret_two"}, {"GET", "/boom"},
		{"GET", "/gone"}, {"GET", "/no/such/page"},
	} {
		res, err := app.Test(httptest.NewRequest(req.method, req.path, nil), -1)
		require.NoError(t, err)
		res.Body.Close()
	}
	mfs := scrape(t, reg)
	n, ok := value(mfs, "sokohub_http_requests_total", map[string]string{"route": "/callbacks/stk/:token", "status": "200", "method": "POST"})
	require.True(t, ok)
	require.Equal(t, 2.0, n, "both callbacks under one template")
	n, _ = value(mfs, "sokohub_http_requests_total", map[string]string{"route": "/boom", "status": "500"})
	require.Equal(t, 1.0, n, "an error's status is the one the error handler answers")
	n, _ = value(mfs, "sokohub_http_requests_total", map[string]string{"route": "/gone", "status": "410"})
	require.Equal(t, 1.0, n)
	n, _ = value(mfs, "sokohub_http_requests_total", map[string]string{"route": Unmatched, "status": "404"})
	require.Equal(t, 1.0, n)
	n, _ = value(mfs, "sokohub_http_request_duration_seconds", map[string]string{"route": "/callbacks/stk/:token"})
	require.Equal(t, 2.0, n)
	for _, m := range mfs["sokohub_http_requests_total"].Metric {
		for _, l := range m.Label {
			require.NotContains(t, l.GetValue(), "secret", "no raw path reaches a label")
		}
	}
}

func TestTaskMetricsCountResults(t *testing.T) {
	t.Parallel()
	reg := NewRegistry()
	tm := reg.NewTasks(slog.New(slog.DiscardHandler))
	ok := tm.Middleware(asynq.HandlerFunc(func(context.Context, *asynq.Task) error { return nil }))
	bad := tm.Middleware(asynq.HandlerFunc(func(context.Context, *asynq.Task) error { return errors.New("later") }))
	skip := tm.Middleware(asynq.HandlerFunc(func(context.Context, *asynq.Task) error { return asynq.SkipRetry }))
	task := asynq.NewTask("payment:callback", []byte(`{"id":"cb_1","store_id":"sto_1"}`))
	require.NoError(t, ok.ProcessTask(context.Background(), task))
	require.Error(t, bad.ProcessTask(context.Background(), task))
	require.Error(t, skip.ProcessTask(context.Background(), task))
	mfs := scrape(t, reg)
	for result, want := range map[string]float64{"ok": 1, "error": 1, "skip_retry": 1} {
		n, _ := value(mfs, "sokohub_tasks_runs_total", map[string]string{"type": "payment:callback", "result": result})
		require.Equal(t, want, n, result)
	}
}

func TestWorkerMetricsReadQueuesAndTheDatabase(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	client := asynq.NewClientFromRedisClient(rdb)
	_, err := client.Enqueue(asynq.NewTask("webhook:deliver", []byte(`{"id":"d"}`)), asynq.Queue("ns:webhooks"))
	require.NoError(t, err)

	reg := NewRegistry()
	f := reg.NewWorkerMetrics(WorkerConfig{DB: d, Inspector: asynq.NewInspectorFromRedisClient(rdb), Namespace: "ns",
		Queues: []string{"ns:webhooks", "ns:critical"}, Every: time.Second, Log: slog.New(slog.DiscardHandler)})
	ctx := context.Background()
	f.Refresh(ctx) // the counters start here

	now := db.Now()
	exec := func(q string, args ...any) {
		_, err := d.ExecContext(ctx, q, args...)
		require.NoError(t, err)
	}
	exec(`INSERT INTO users (id,email,name,password_hash,created_at) VALUES ('u','a@b','A','x',?)`, now)
	exec(`INSERT INTO stores (id,slug,name,owner_id,status,currency,order_seq,created_at) VALUES ('s','duka','S','u','active','KES',0,?)`, now)
	for i, o := range []string{"o1", "o2", "o3"} {
		exec(`INSERT INTO orders (id,store_id,number,status,total,currency,phone,customer_name,customer_email,token_hash,sequence,created_at,updated_at) VALUES (?,'s',?,'pending',100,'KES','254712345678','','','h',1,?,?)`, o, i+1, now, now)
	}
	attempt := `INSERT INTO payment_attempts (id,store_id,order_id,status,phone,amount,currency,callback_token_hash,queries,result_code,created_at,updated_at,resolved_at) VALUES (?,'s',?,?,'254712345678',100,'KES',?,0,?,?,?,?)`
	exec(attempt, "a1", "o1", "succeeded", "t1", "0", now.Add(-10*time.Minute), now, now.Add(-settleLag-time.Second))
	exec(attempt, "a2", "o2", "failed", "t2", "1032", now.Add(-10*time.Minute), now, now.Add(-settleLag-time.Second))
	exec(`INSERT INTO payment_attempts (id,store_id,order_id,status,phone,amount,currency,callback_token_hash,queries,created_at,updated_at) VALUES ('a3','s','o3','prompted','254712345678',100,'KES','t3',0,?,?)`,
		now.Add(-90*time.Second), now)
	exec(`INSERT INTO callbacks (id,token_hash,body,remote_addr,received_at,processed_at) VALUES ('c1','t1','{}','127.0.0.1',?,?)`,
		now.Add(-settleLag-3*time.Second), now.Add(-settleLag-time.Second))
	exec(`INSERT INTO callbacks (id,token_hash,body,remote_addr,received_at) VALUES ('c2','t3','{}','127.0.0.1',?)`, now.Add(-40*time.Second))

	// The rows above are older than the first refresh's window start;
	// move it back, as if they had been written just after it.
	f.sources[1].(*dbMetrics).cursor = now.Add(-settleLag - 2*time.Second)
	f.Refresh(ctx)
	mfs := scrape(t, reg)
	n, _ := value(mfs, "sokohub_queue_tasks", map[string]string{"queue": "webhooks", "state": "pending"})
	require.Equal(t, 1.0, n)
	n, ok := value(mfs, "sokohub_queue_tasks", map[string]string{"queue": "critical", "state": "pending"})
	require.True(t, ok, "a queue nothing was enqueued on yet reads as empty, not as an error")
	require.Zero(t, n)
	n, _ = value(mfs, "sokohub_stk_results_total", map[string]string{"store": "duka", "status": "succeeded", "result_code": "0"})
	require.Equal(t, 1.0, n)
	n, _ = value(mfs, "sokohub_stk_results_total", map[string]string{"store": "duka", "status": "failed", "result_code": "1032"})
	require.Equal(t, 1.0, n)
	n, _ = value(mfs, "sokohub_callback_lag_seconds", nil)
	require.Equal(t, 1.0, n, "one callback processed in the window")
	n, _ = value(mfs, "sokohub_reconciler_unresolved_attempts", map[string]string{"status": "prompted"})
	require.Equal(t, 1.0, n)
	n, _ = value(mfs, "sokohub_reconciler_oldest_unresolved_seconds", nil)
	require.InDelta(t, 90, n, 5)
	n, _ = value(mfs, "sokohub_callbacks_unprocessed", nil)
	require.Equal(t, 1.0, n)
	_, failed := value(mfs, "sokohub_metrics_refresh_errors_total", nil)
	require.False(t, failed, "no refresh failed")

	// Counted once: a second refresh adds nothing.
	f.Refresh(ctx)
	n, _ = value(scrape(t, reg), "sokohub_stk_results_total", map[string]string{"store": "duka", "status": "succeeded"})
	require.Equal(t, 1.0, n)
}
