package observability

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
)

// Tasks measures the worker's task runs.
type Tasks struct {
	runs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
	log      *slog.Logger
}

// NewTasks registers the task metrics on r; failed runs are logged to log.
func (r *Registry) NewTasks(log *slog.Logger) *Tasks {
	t := &Tasks{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "tasks",
			Name: "runs_total", Help: "Task runs, by task type and result (ok, error, skip_retry)."},
			[]string{"type", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "tasks",
			Name: "run_duration_seconds", Help: "Time one task run took, by task type.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}},
			[]string{"type"}),
		log: log,
	}
	r.reg.MustRegister(t.runs, t.duration)
	return t
}

// Middleware measures every task run and logs failed ones with the task's
// id and store, which the handlers' own error returns do not carry.
func (t *Tasks) Middleware(next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, task *asynq.Task) error {
		start := time.Now()
		err := next.ProcessTask(ctx, task)
		result := "ok"
		switch {
		case errors.Is(err, asynq.SkipRetry):
			result = "skip_retry"
		case err != nil:
			result = "error"
		}
		t.runs.WithLabelValues(task.Type(), result).Inc()
		t.duration.WithLabelValues(task.Type()).Observe(time.Since(start).Seconds())
		if err != nil {
			id, _ := asynq.GetTaskID(ctx)
			retried, _ := asynq.GetRetryCount(ctx)
			var p struct {
				ID      string `json:"id"`
				StoreID string `json:"store_id"`
			}
			_ = json.Unmarshal(task.Payload(), &p)
			t.log.WarnContext(ctx, "task failed", "type", task.Type(), "task_id", id, "row_id", p.ID,
				"store_id", p.StoreID, "retried", retried, "err", err)
		}
		return err
	})
}
