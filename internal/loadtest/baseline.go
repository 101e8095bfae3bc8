package loadtest

import (
	"bytes"
	"cmp"
	"context"
	_ "embed"
	"encoding/csv"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"
)

// Baselines are the machine's own limits, measured in the same run so our
// figures can be read as fractions of them on a noisy machine.
type Baselines struct {
	// PgbenchTPS is pgbench running checkout.pgbench (a write transaction
	// shaped like our checkout) with 16 clients; 0 without PostgreSQL.
	PgbenchTPS float64 `json:"pgbench_checkout_tps"`
	// Redis is redis-benchmark's requests/s for the operations Asynq's
	// enqueue, dequeue and scheduling rest on; empty without Redis.
	Redis map[string]float64 `json:"redis_benchmark_rps,omitempty"`
	// FiberRPS and FiberLatency are an empty Fiber handler under this
	// harness's own HTTP client (64 callers, closed loop).
	FiberRPS     float64  `json:"fiber_empty_rps"`
	FiberLatency Summary  `json:"fiber_empty_latency"`
	Notes        []string `json:"notes,omitempty"`
}

//go:embed checkout.pgbench
var pgbenchScript []byte

const pgbenchSchema = `
CREATE TABLE lt_stores (id BIGINT PRIMARY KEY, order_seq BIGINT NOT NULL);
CREATE TABLE lt_products (id BIGINT PRIMARY KEY, store_id BIGINT NOT NULL, stock BIGINT NOT NULL);
CREATE TABLE lt_orders (id TEXT PRIMARY KEY, store_id BIGINT NOT NULL, number BIGINT NOT NULL, status TEXT NOT NULL,
	total BIGINT NOT NULL, created_at TIMESTAMPTZ NOT NULL, UNIQUE (store_id, number));
CREATE TABLE lt_items (id TEXT PRIMARY KEY, store_id BIGINT NOT NULL, number BIGINT NOT NULL, product_id BIGINT NOT NULL,
	quantity BIGINT NOT NULL);
CREATE INDEX ON lt_items (store_id, number);
CREATE TABLE lt_attempts (id TEXT PRIMARY KEY, store_id BIGINT NOT NULL, number BIGINT NOT NULL, status TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE, created_at TIMESTAMPTZ NOT NULL);
CREATE TABLE lt_events (id TEXT PRIMARY KEY, store_id BIGINT NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL, relayed_at TIMESTAMPTZ);
CREATE INDEX ON lt_events (relayed_at, created_at);
INSERT INTO lt_stores SELECT g, 0 FROM generate_series(1, 100) AS g;
INSERT INTO lt_products SELECT g, (g - 1) / 5 + 1, 1000000000 FROM generate_series(1, 500) AS g;`

func (h *harness) baselines(ctx context.Context) (*Baselines, error) {
	b := &Baselines{}
	h.log.Info("baseline", "what", "empty fiber handler")
	if err := h.fiberBaseline(ctx, b); err != nil {
		return nil, err
	}
	if h.o.DatabaseURL != "" {
		h.log.Info("baseline", "what", "pgbench")
		if err := pgbench(ctx, h.o.DatabaseURL, h.o.BaselineTime, b); err != nil {
			b.Notes = append(b.Notes, "pgbench: "+err.Error())
		}
	} else {
		b.Notes = append(b.Notes, "pgbench: no PostgreSQL (SQLite run)")
	}
	if h.t.RedisURL != "" {
		h.log.Info("baseline", "what", "redis-benchmark")
		if err := redisBenchmark(ctx, h.t.RedisURL, h.t.Namespace, b); err != nil {
			b.Notes = append(b.Notes, "redis-benchmark: "+err.Error())
		}
	} else {
		b.Notes = append(b.Notes, "redis-benchmark: embedded Redis (miniredis) has no benchmark")
	}
	return b, nil
}

// fiberBaseline serves an empty handler in this process and drives it with
// the harness's client, as many callers as the stack gets at most.
func (h *harness) fiberBaseline(ctx context.Context, b *Baselines) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Post("/", func(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusNoContent) })
	go func() { _ = app.Listener(ln) }()
	defer func() {
		// Shutdown waits for keep-alive connections: close ours first.
		h.client.CloseIdleConnections()
		_ = app.ShutdownWithTimeout(time.Second)
	}()
	base := harness{o: h.o, client: h.client, t: &target{URL: "http://" + ln.Addr().String()}}
	var lat series
	var n atomic.Int64
	start := time.Now()
	closedLoop(ctx, 64, h.o.BaselineTime, func(ctx context.Context, due time.Time) {
		if status, err := base.call(ctx, "POST", "/", []byte(`{}`), nil, nil); err == nil && status == fiber.StatusNoContent {
			lat.add(time.Since(due))
			n.Add(1)
		}
	})
	b.FiberRPS = float64(n.Load()) / time.Since(start).Seconds()
	b.FiberLatency = lat.summary()
	return nil
}

var tpsRe = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

// pgbench runs checkout.pgbench against a scratch database next to base.
func pgbench(ctx context.Context, base string, d time.Duration, b *Baselines) error {
	dir, err := os.MkdirTemp("", "sokohub-pgbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dbURL, drop, err := freshDatabase(ctx, base, dir)
	if err != nil {
		return err
	}
	defer drop()
	u, err := url.Parse(dbURL)
	if err != nil {
		return err
	}
	pass, _ := u.User.Password()
	env := append(os.Environ(), "PGHOST="+u.Hostname(), "PGPORT="+cmp.Or(u.Port(), "5432"), "PGUSER="+u.User.Username(),
		"PGPASSWORD="+pass, "PGDATABASE="+strings.TrimPrefix(u.Path, "/"))
	psql := exec.CommandContext(ctx, "psql", "-q", "-v", "ON_ERROR_STOP=1", "-c", pgbenchSchema)
	psql.Env = env
	if out, err := psql.CombinedOutput(); err != nil {
		return fmt.Errorf("schema: %v: %s", err, out)
	}
	script := filepath.Join(dir, "checkout.pgbench")
	if err := os.WriteFile(script, pgbenchScript, 0o600); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "pgbench", "-n", "-M", "simple", "-c", "16", "-j", "2",
		"-T", strconv.Itoa(max(1, int(d.Seconds()))), "-f", script)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	m := tpsRe.FindSubmatch(out)
	if m == nil {
		return fmt.Errorf("no tps in its output: %s", out)
	}
	b.PgbenchTPS, _ = strconv.ParseFloat(string(m[1]), 64)
	return nil
}

// redisBenchmark measures the commands Asynq is built on, under keys of
// the run's namespace (removed with it).
func redisBenchmark(ctx context.Context, rawURL, ns string, b *Baselines) error {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(opt.Addr)
	if err != nil {
		return err
	}
	k := ns + ":bench:"
	enqueue := `if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end ` +
		`redis.call('HSET', KEYS[1], 'msg', ARGV[1], 'state', 'pending') redis.call('LPUSH', KEYS[2], ARGV[1]) return 1`
	cmds := map[string][]string{
		"LPUSH (enqueue)":          {"LPUSH", k + "pending", "__rand_int__"},
		"RPOPLPUSH (dequeue)":      {"RPOPLPUSH", k + "pending", k + "active"},
		"ZADD (schedule, lease)":   {"ZADD", k + "scheduled", "__rand_int__", "__rand_int__"},
		"EVAL (enqueue script)":    {"EVAL", enqueue, "2", k + "t:__rand_int__", k + "pending2", "payload"},
		"EVAL (token bucket-like)": {"EVAL", `return redis.call('INCR', KEYS[1])`, "1", k + "bucket"},
	}
	b.Redis = map[string]float64{}
	for name, c := range cmds {
		args := append([]string{"-h", host, "-p", port, "-n", "50000", "-c", "20", "-r", "1000000", "--csv"}, c...)
		if opt.DB != 0 {
			args = append([]string{"--dbnum", strconv.Itoa(opt.DB)}, args...)
		}
		if opt.Password != "" {
			args = append([]string{"-a", opt.Password}, args...)
		}
		out, err := exec.CommandContext(ctx, "redis-benchmark", args...).Output()
		if err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
		if err != nil || len(rows) < 2 || len(rows[1]) < 2 {
			return fmt.Errorf("%s: unreadable output %q", name, out)
		}
		b.Redis[name], _ = strconv.ParseFloat(rows[1][1], 64)
	}
	return nil
}
