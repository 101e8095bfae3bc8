// Package observability is SokoHub's Prometheus metrics: one registry per
// process, HTTP metrics by route template (Fiber middleware), task metrics
// (Asynq middleware), queue metrics from the Asynq inspector, and business
// metrics read from the database (STK outcomes, callback lag, webhook
// results, the reconciler's backlog). Queue and database metrics are
// recomputed in the background every refresh interval, never on a scrape,
// so a scraper cannot load Redis or PostgreSQL. docs/operations.md says
// what to alert on.
package observability

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every metric name.
const namespace = "sokohub"

// Registry is one process's metrics.
type Registry struct {
	reg *prometheus.Registry
}

// NewRegistry returns a registry with the Go runtime and process metrics.
func NewRegistry() *Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &Registry{reg: reg}
}

// Handler serves the metrics in the Prometheus text format.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{Registry: r.reg})
}
