package observability

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
)

// queueMetrics reads each queue's sizes and latency from the Asynq
// inspector. GetQueueInfo runs Lua over the whole queue, which is why it
// runs every refresh interval and not on scrapes.
type queueMetrics struct {
	inspector *asynq.Inspector
	queues    []string // full (namespaced) names
	prefix    string   // stripped from the label
	size      *prometheus.GaugeVec
	latency   *prometheus.GaugeVec
}

func (r *Registry) newQueueMetrics(insp *asynq.Inspector, ns string, queues []string) *queueMetrics {
	q := &queueMetrics{inspector: insp, queues: queues, prefix: ns + ":",
		size: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "queue", Name: "tasks",
			Help: "Tasks in each queue by state (pending, active, scheduled, retry, archived, completed)."},
			[]string{"queue", "state"}),
		latency: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "queue", Name: "latency_seconds",
			Help: "How long the oldest pending task of each queue has waited."}, []string{"queue"}),
	}
	r.reg.MustRegister(q.size, q.latency)
	return q
}

func (q *queueMetrics) name() string { return "queues" }

func (q *queueMetrics) refresh(context.Context) error {
	known, err := q.inspector.Queues()
	if err != nil {
		return err
	}
	var errs []error
	for _, full := range q.queues {
		label := strings.TrimPrefix(full, q.prefix)
		info := &asynq.QueueInfo{} // nothing enqueued yet, or Redis lost it: empty
		if slices.Contains(known, full) {
			info, err = q.inspector.GetQueueInfo(full)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for state, n := range map[string]int{"pending": info.Pending, "active": info.Active, "scheduled": info.Scheduled,
			"retry": info.Retry, "archived": info.Archived, "completed": info.Completed} {
			q.size.WithLabelValues(label, state).Set(float64(n))
		}
		q.latency.WithLabelValues(label).Set(info.Latency.Seconds())
	}
	return errors.Join(errs...)
}
