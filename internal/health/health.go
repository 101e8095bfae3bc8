// Package health answers the orchestrator's two questions. /healthz
// (liveness) only says the process serves: it touches nothing, so a
// database outage never gets every replica restarted at once. /readyz
// (readiness) says whether this replica should get traffic: the database
// and Redis answer, the schema has every migration this binary expects,
// and the process is not draining for shutdown.
package health

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
)

// checkTimeout bounds each dependency check of one probe.
const checkTimeout = 2 * time.Second

// migrationsCacheFor is how long a "schema is current" answer is reused:
// once applied, migrations stay applied, and the status query need not run
// on every probe.
const migrationsCacheFor = 30 * time.Second

// Checker runs the readiness checks.
type Checker struct {
	db       *bun.DB
	redis    redis.UniversalClient
	migrator *db.Migrator
	log      *slog.Logger
	draining atomic.Bool

	mu        sync.Mutex
	currentAt time.Time // when the schema was last seen current
}

// New returns a Checker of d and rdb.
func New(d *bun.DB, rdb redis.UniversalClient, log *slog.Logger) (*Checker, error) {
	m, err := db.NewMigrator(d)
	if err != nil {
		return nil, err
	}
	return &Checker{db: d, redis: rdb, migrator: m, log: log}, nil
}

// Drain makes /readyz fail from now on: the process is shutting down and
// the load balancer should stop sending it requests.
func (c *Checker) Drain() { c.draining.Store(true) }

// Report is the answer of /readyz.
type Report struct {
	Status string            `json:"status"` // "ok" or "unavailable"
	Checks map[string]string `json:"checks"`
}

// Ready runs every check. Failures are logged with their cause; the report
// only says which check failed, since /readyz may be reachable from
// outside and causes name hosts.
func (c *Checker) Ready(ctx context.Context) Report {
	r := Report{Status: "ok", Checks: map[string]string{}}
	set := func(name string, err error, failed string) {
		if err == nil {
			r.Checks[name] = "ok"
			return
		}
		r.Status, r.Checks[name] = "unavailable", failed
		c.log.WarnContext(ctx, "readiness check failed", "check", name, "err", err)
	}
	if c.draining.Load() {
		r.Status, r.Checks["shutdown"] = "unavailable", "draining"
	}
	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	set("database", c.db.PingContext(cctx), "unreachable")
	set("redis", c.redis.Ping(cctx).Err(), "unreachable")
	pending, err := c.pending(cctx)
	switch {
	case err != nil:
		set("migrations", err, "unknown")
	case pending > 0:
		r.Status, r.Checks["migrations"] = "unavailable", "pending"
		c.log.WarnContext(ctx, "readiness: migrations pending; run sokohub migrate up", "pending", pending)
	default:
		r.Checks["migrations"] = "ok"
	}
	return r
}

func (c *Checker) pending(ctx context.Context) (int, error) {
	c.mu.Lock()
	fresh := time.Since(c.currentAt) < migrationsCacheFor
	c.mu.Unlock()
	if fresh {
		return 0, nil
	}
	names, err := c.migrator.Unapplied(ctx)
	if err != nil || len(names) > 0 {
		return len(names), err
	}
	c.mu.Lock()
	c.currentAt = time.Now()
	c.mu.Unlock()
	return 0, nil
}

// Mount serves GET /healthz and GET /readyz on app.
func (c *Checker) Mount(app fiber.Router) {
	app.Get("/healthz", Live)
	app.Get("/readyz", c.handleReady)
}

// Live is the liveness answer: the process serves.
func Live(ctx *fiber.Ctx) error { return ctx.JSON(fiber.Map{"status": "ok"}) }

func (c *Checker) handleReady(ctx *fiber.Ctx) error {
	r := c.Ready(ctx.UserContext())
	ctx.Set(fiber.HeaderCacheControl, "no-store")
	if r.Status != "ok" {
		return ctx.Status(fiber.StatusServiceUnavailable).JSON(r)
	}
	return ctx.JSON(r)
}
