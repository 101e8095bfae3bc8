package config

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/sokohub/sokohub/internal/db"
)

// Runtime is how the process runs as a replica among others: its
// database pool, its Redis topology, how it stops, and what it exposes to
// the orchestrator.
type Runtime struct {
	// DBPool is SOKOHUB_DB_MAX_CONNS (default 20), SOKOHUB_DB_MAX_IDLE_CONNS
	// (default the max), SOKOHUB_DB_CONN_MAX_LIFETIME (30m),
	// SOKOHUB_DB_CONN_MAX_IDLE_TIME (5m) and SOKOHUB_DB_STATEMENT_TIMEOUT
	// (default none), per process.
	DBPool db.Pool
	// RedisClusterAddrs is SOKOHUB_REDIS_CLUSTER_ADDRS, comma-separated
	// seed nodes of a Redis Cluster; SOKOHUB_REDIS_URL then only gives the
	// credentials and TLS.
	RedisClusterAddrs []string
	// ShutdownGrace is SOKOHUB_SHUTDOWN_GRACE: on SIGTERM the gateway
	// finishes requests and the worker finishes tasks for this long, then
	// hands the rest back. Defaults to 20s; keep it under the
	// orchestrator's kill timeout (Kubernetes: 30s).
	ShutdownGrace time.Duration
	// DrainDelay is SOKOHUB_DRAIN_DELAY: on SIGTERM the gateway first
	// answers /readyz with 503 for this long, still serving, so the load
	// balancer stops sending it requests before it stops listening.
	// Defaults to 0.
	DrainDelay time.Duration
	// TrustedProxies is SOKOHUB_TRUSTED_PROXIES, comma-separated IPs or
	// CIDRs of the load balancers in front of the gateway: a request from
	// one of them is taken to come from its X-Real-IP header (which the
	// proxy must overwrite, as deploy/nginx.conf does). Empty means the
	// connection's own address, always.
	TrustedProxies []string
	// OpsAddr is SOKOHUB_OPS_ADDR, where the worker serves /healthz,
	// /readyz and /metrics. Empty (the default) means not at all.
	OpsAddr string
	// WorkerConcurrency is SOKOHUB_WORKER_CONCURRENCY, tasks one worker
	// runs at once. Defaults to 64: more than the database pool, because
	// a task spends much of its time waiting on Daraja, a webhook
	// receiver or a message provider, not holding a connection (a burst
	// of deliveries went at 306/s with 20, 467/s with 60).
	WorkerConcurrency int
	// CheckoutConcurrency is SOKOHUB_CHECKOUT_CONCURRENCY, checkouts one
	// gateway runs at once (each holds a database connection); more wait
	// up to 3 s, then get a 503 with Retry-After. Defaults to twice the
	// database pool.
	CheckoutConcurrency int
	// CheckoutStoreConcurrency is SOKOHUB_CHECKOUT_STORE_CONCURRENCY, how
	// many of those one store may hold, so a store's rush cannot slow the
	// others. Defaults to 8.
	CheckoutStoreConcurrency int
	// SweepInterval is SOKOHUB_SWEEP_INTERVAL, how often the sweeper
	// re-enqueues what the queue lost (one sweep per interval across all
	// workers). Defaults to 30s.
	SweepInterval time.Duration
	// MetricsRefresh is SOKOHUB_METRICS_REFRESH, how often the worker
	// recomputes queue and database metrics (not on every scrape: the
	// queries are heavy). Defaults to 15s.
	MetricsRefresh time.Duration
}

func loadRuntime(getenv func(string) string) (Runtime, error) {
	var r Runtime
	var err error
	ints := []struct {
		name string
		dst  *int
		def  int
	}{
		{"SOKOHUB_DB_MAX_CONNS", &r.DBPool.MaxConns, db.DefaultMaxConns},
		{"SOKOHUB_DB_MAX_IDLE_CONNS", &r.DBPool.MaxIdleConns, 0},
		{"SOKOHUB_WORKER_CONCURRENCY", &r.WorkerConcurrency, 64},
		{"SOKOHUB_CHECKOUT_STORE_CONCURRENCY", &r.CheckoutStoreConcurrency, 8},
	}
	for _, v := range ints {
		if *v.dst, err = positive(getenv, v.name, v.def); err != nil {
			return r, err
		}
	}
	if r.CheckoutConcurrency, err = positive(getenv, "SOKOHUB_CHECKOUT_CONCURRENCY", 2*r.DBPool.MaxConns); err != nil {
		return r, err
	}
	durations := []struct {
		name string
		dst  *time.Duration
		def  time.Duration
	}{
		{"SOKOHUB_DB_CONN_MAX_LIFETIME", &r.DBPool.ConnMaxLifetime, db.DefaultConnMaxLifetime},
		{"SOKOHUB_DB_CONN_MAX_IDLE_TIME", &r.DBPool.ConnMaxIdleTime, db.DefaultConnMaxIdleTime},
		{"SOKOHUB_DB_STATEMENT_TIMEOUT", &r.DBPool.StatementTimeout, 0},
		{"SOKOHUB_SHUTDOWN_GRACE", &r.ShutdownGrace, 20 * time.Second},
		{"SOKOHUB_DRAIN_DELAY", &r.DrainDelay, 0},
		{"SOKOHUB_SWEEP_INTERVAL", &r.SweepInterval, 30 * time.Second},
		{"SOKOHUB_METRICS_REFRESH", &r.MetricsRefresh, 15 * time.Second},
	}
	for _, v := range durations {
		if *v.dst, err = duration(getenv, v.name, v.def); err != nil {
			return r, err
		}
	}
	if r.SweepInterval < time.Second || r.MetricsRefresh < time.Second {
		return r, fmt.Errorf("SOKOHUB_SWEEP_INTERVAL and SOKOHUB_METRICS_REFRESH must be at least 1s")
	}
	for _, a := range strings.Split(getenv("SOKOHUB_REDIS_CLUSTER_ADDRS"), ",") {
		if a = strings.TrimSpace(a); a != "" {
			r.RedisClusterAddrs = append(r.RedisClusterAddrs, a)
		}
	}
	for _, p := range strings.Split(getenv("SOKOHUB_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				return r, fmt.Errorf("SOKOHUB_TRUSTED_PROXIES: %q is not an IP address or CIDR", p)
			}
		}
		r.TrustedProxies = append(r.TrustedProxies, p)
	}
	r.OpsAddr = strings.TrimSpace(getenv("SOKOHUB_OPS_ADDR"))
	return r, nil
}

// positive reads a whole number above zero from variable name, def when
// it is empty.
func positive(getenv func(string) string, name string, def int) (int, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s must be a whole number above 0", name)
	}
	return n, nil
}
