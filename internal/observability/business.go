package observability

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
)

// settleLag keeps the counters' window this far behind now, so a row
// whose transaction was still open at the last refresh (its timestamp is
// older than its commit) is counted at the next one rather than never.
const settleLag = 5 * time.Second

// dbMetrics reads the payment and delivery tables. Counters count rows
// that reached a state since the process started (each worker replica
// counts every row: aggregate across replicas with max, not sum); gauges
// are the state now.
type dbMetrics struct {
	db     *bun.DB
	cursor time.Time // rows up to here are counted

	stk                 *prometheus.CounterVec
	callbackLag         prometheus.Histogram
	webhookAttempts     *prometheus.CounterVec
	unresolved          *prometheus.GaugeVec
	oldestUnresolved    prometheus.Gauge
	callbacksPending    prometheus.Gauge
	oldestCallback      prometheus.Gauge
	deliveriesPending   prometheus.Gauge
	deliveriesOverdue   prometheus.Gauge
	notificationsQueued prometheus.Gauge
	outboxUnrelayed     prometheus.Gauge
}

func gauge(name, help string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: name, Help: help})
}

func (r *Registry) newDBMetrics(d *bun.DB) *dbMetrics {
	m := &dbMetrics{db: d,
		stk: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "stk", Name: "results_total",
			Help: "STK Push attempts resolved, by store slug, final status and Daraja ResultCode (\"none\" when Daraja refused the push)."},
			[]string{"store", "status", "result_code"}),
		callbackLag: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "callback",
			Name: "lag_seconds", Help: "Time from a Daraja callback being stored to it being processed.",
			Buckets: []float64{.1, .25, .5, 1, 2, 5, 10, 30, 60, 300}}),
		webhookAttempts: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "webhook",
			Name: "attempts_total", Help: "Webhook delivery attempts made, by result (delivered: a 2xx answer; failed: anything else)."},
			[]string{"result"}),
		unresolved: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "reconciler",
			Name: "unresolved_attempts", Help: "Payment attempts not yet settled, by status (queued, prompted): the reconciler's backlog."},
			[]string{"status"}),
		oldestUnresolved: gauge("reconciler_oldest_unresolved_seconds", "Age of the oldest payment attempt still queued or prompted."),
		callbacksPending: gauge("callbacks_unprocessed", "Daraja callbacks stored but not yet processed."),
		oldestCallback:   gauge("callbacks_oldest_unprocessed_seconds", "Age of the oldest unprocessed Daraja callback."),
		deliveriesPending: gauge("webhook_deliveries_pending",
			"Webhook deliveries waiting for their next attempt (including scheduled retries)."),
		deliveriesOverdue: gauge("webhook_deliveries_overdue",
			"Pending webhook deliveries more than a minute past their due time: the queue lost or is not running them."),
		notificationsQueued: gauge("notifications_pending", "Customer and seller notifications not yet sent."),
		outboxUnrelayed:     gauge("outbox_unrelayed_events", "Events written but not yet turned into deliveries and notifications."),
	}
	r.reg.MustRegister(m.stk, m.callbackLag, m.webhookAttempts, m.unresolved, m.oldestUnresolved, m.callbacksPending,
		m.oldestCallback, m.deliveriesPending, m.deliveriesOverdue, m.notificationsQueued, m.outboxUnrelayed)
	return m
}

func (m *dbMetrics) name() string { return "database" }

func (m *dbMetrics) refresh(ctx context.Context) error {
	now := db.Now()
	err := errors.Join(m.gauges(ctx, now), m.counters(ctx, now.Add(-settleLag)))
	return err
}

func (m *dbMetrics) counters(ctx context.Context, upto time.Time) error {
	from := m.cursor
	if from.IsZero() {
		m.cursor = upto // counters start at zero with the process
		return nil
	}
	var stk []struct {
		Slug, Status, Code string
		N                  int64
	}
	if err := m.db.NewSelect().TableExpr("payment_attempts AS a").Join("JOIN stores AS s ON s.id = a.store_id").
		ColumnExpr("s.slug, a.status, COALESCE(a.result_code, 'none') AS code, count(*) AS n").
		Where("a.resolved_at > ?", from).Where("a.resolved_at <= ?", upto).
		GroupExpr("s.slug, a.status, COALESCE(a.result_code, 'none')").Scan(ctx, &stk); err != nil {
		return err
	}
	var lags []struct{ ReceivedAt, ProcessedAt time.Time }
	if err := m.db.NewSelect().TableExpr("callbacks").Column("received_at", "processed_at").
		Where("processed_at > ?", from).Where("processed_at <= ?", upto).Scan(ctx, &lags); err != nil {
		return err
	}
	var hooks []struct {
		Result string
		N      int64
	}
	if err := m.db.NewSelect().TableExpr("webhook_attempts").
		ColumnExpr("CASE WHEN status_code >= 200 AND status_code < 300 THEN 'delivered' ELSE 'failed' END AS result, count(*) AS n").
		Where("created_at > ?", from).Where("created_at <= ?", upto).GroupExpr("1").Scan(ctx, &hooks); err != nil {
		return err
	}
	// Only a window read whole moves the cursor, so nothing counts twice.
	for _, r := range stk {
		m.stk.WithLabelValues(r.Slug, r.Status, r.Code).Add(float64(r.N))
	}
	for _, l := range lags {
		m.callbackLag.Observe(l.ProcessedAt.Sub(l.ReceivedAt).Seconds())
	}
	for _, h := range hooks {
		m.webhookAttempts.WithLabelValues(h.Result).Add(float64(h.N))
	}
	m.cursor = upto
	return nil
}

func (m *dbMetrics) gauges(ctx context.Context, now time.Time) error {
	var open []struct {
		Status string
		N      int64
	}
	if err := m.db.NewSelect().TableExpr("payment_attempts").ColumnExpr("status, count(*) AS n").
		Where("status IN (?)", bun.In([]string{"queued", "prompted"})).GroupExpr("status").Scan(ctx, &open); err != nil {
		return err
	}
	counts := map[string]int64{"queued": 0, "prompted": 0}
	for _, o := range open {
		counts[o.Status] = o.N
	}
	for status, n := range counts {
		m.unresolved.WithLabelValues(status).Set(float64(n))
	}
	oldest := func(g prometheus.Gauge, table, column, where string, args ...any) error {
		var ts []time.Time
		if err := m.db.NewSelect().TableExpr(table).Column(column).Where(where, args...).
			Order(column).Limit(1).Scan(ctx, &ts); err != nil {
			return err
		}
		g.Set(0)
		if len(ts) == 1 {
			g.Set(now.Sub(ts[0]).Seconds())
		}
		return nil
	}
	count := func(g prometheus.Gauge, table, where string, args ...any) error {
		n, err := m.db.NewSelect().TableExpr(table).Where(where, args...).Count(ctx)
		g.Set(float64(n))
		return err
	}
	return errors.Join(
		oldest(m.oldestUnresolved, "payment_attempts", "created_at", "status IN (?)", bun.In([]string{"queued", "prompted"})),
		count(m.callbacksPending, "callbacks", "processed_at IS NULL"),
		oldest(m.oldestCallback, "callbacks", "received_at", "processed_at IS NULL"),
		count(m.deliveriesPending, "webhook_deliveries", "status = 'pending'"),
		count(m.deliveriesOverdue, "webhook_deliveries", "status = 'pending' AND next_attempt_at < ?", now.Add(-time.Minute)),
		count(m.notificationsQueued, "notifications", "status = 'pending'"),
		count(m.outboxUnrelayed, "events", "relayed_at IS NULL"),
	)
}
