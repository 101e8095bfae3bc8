package observability

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// source is a group of metrics recomputed together in the background.
type source interface {
	name() string
	refresh(ctx context.Context) error
}

// Refresher recomputes the queue and database metrics every interval.
type Refresher struct {
	sources  []source
	every    time.Duration
	log      *slog.Logger
	errors   *prometheus.CounterVec
	lastDone *prometheus.GaugeVec
}

func (r *Registry) newRefresher(every time.Duration, log *slog.Logger, sources ...source) *Refresher {
	f := &Refresher{sources: sources, every: every, log: log,
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "metrics",
			Name: "refresh_errors_total", Help: "Background metric refreshes that failed, by source (queues, database)."},
			[]string{"source"}),
		lastDone: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "metrics",
			Name: "last_refresh_timestamp_seconds", Help: "When each source's metrics were last recomputed."},
			[]string{"source"}),
	}
	r.reg.MustRegister(f.errors, f.lastDone)
	return f
}

// Run refreshes at once, then every interval, until ctx ends.
func (f *Refresher) Run(ctx context.Context) {
	t := time.NewTicker(f.every)
	defer t.Stop()
	for {
		f.Refresh(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Refresh recomputes every source once.
func (f *Refresher) Refresh(ctx context.Context) {
	for _, s := range f.sources {
		rctx, cancel := context.WithTimeout(ctx, f.every)
		err := s.refresh(rctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				f.errors.WithLabelValues(s.name()).Inc()
				f.log.WarnContext(ctx, "metrics refresh failed", "source", s.name(), "err", err)
			}
			continue
		}
		f.lastDone.WithLabelValues(s.name()).SetToCurrentTime()
	}
}
