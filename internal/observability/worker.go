package observability

import (
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/uptrace/bun"
)

// WorkerConfig is what the worker's background metrics read.
type WorkerConfig struct {
	DB        *bun.DB
	Inspector *asynq.Inspector
	// Namespace and Queues name the deployment's queues (queue.Names).
	Namespace string
	Queues    []string
	// Every is how often they are recomputed.
	Every time.Duration
	Log   *slog.Logger
}

// NewWorkerMetrics registers the queue and database metrics on r and
// returns what recomputes them; run it for the worker's lifetime.
func (r *Registry) NewWorkerMetrics(c WorkerConfig) *Refresher {
	return r.newRefresher(c.Every, c.Log, r.newQueueMetrics(c.Inspector, c.Namespace, c.Queues), r.newDBMetrics(c.DB))
}
