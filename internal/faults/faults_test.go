package faults

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/db/dbtest"
	"github.com/sokohub/sokohub/internal/faults/cluster"
	"github.com/sokohub/sokohub/internal/payments"
)

func TestMain(m *testing.M) { cluster.Main(m) }

// requireRealServices skips unless PostgreSQL and Redis are configured:
// the faults are theirs (connections cut, keys lost), which SQLite and an
// embedded Redis cannot show. (The fault suite's clusters run a Redis of
// their own, to restart it; the migration test uses none.)
func requireRealServices(t *testing.T) {
	t.Helper()
	if os.Getenv("SOKOHUB_DATABASE_URL") == "" || os.Getenv("SOKOHUB_REDIS_URL") == "" {
		t.Skip("needs real PostgreSQL and Redis: set SOKOHUB_DATABASE_URL and SOKOHUB_REDIS_URL")
	}
}

// Load of each phase: bounded in count, and each checkout in time.
const (
	ordersPerPhase = 48
	customers      = 6
	// settleWithin bounds every wait for a condition: it only stops a
	// hang. Recovery is measured, never asserted: a loaded machine is
	// slower, not wrong.
	settleWithin = 4 * time.Minute
)

// fault is one thing going wrong under load.
type fault struct {
	name string
	// phone picks the paying phone of checkout i (nil: approving numbers).
	phone func(i int) string
	// before runs before the load starts.
	before func(r *run)
	// inject breaks something once a third of the load is answered, and
	// returns when the fault is over (the broken part back) and, if not
	// zero, the time recovery is measured from (default: the injection).
	inject func(t *testing.T, r *run) time.Time
	// after runs once the load ended, before settling (a simulated day),
	// and returns, if not zero, the time recovery is measured from.
	after func(t *testing.T, r *run) time.Time
}

// run is one cluster going through its faults.
type run struct {
	c *cluster.Cluster
	// redisDown are the spans Redis was down: a sweep tick may run twice
	// across one (the record of the tick's run went with the data).
	redisDown [][2]time.Time
}

// TestFaultsLoseNothing puts two clusters (each two gateways and two
// workers) through three faults each, in parallel to stay within a few
// minutes: most recoveries take a minute of fixed timers (Asynq's lease
// recovery, the sweeper's one-minute thresholds), and the clusters share
// nothing but the PostgreSQL server. Every wait is for a condition (a
// worker's request held at the receiver, a gateway's request held in the
// database, the rows of the deliveries), so a loaded machine only makes
// it slower.
func TestFaultsLoseNothing(t *testing.T) {
	requireRealServices(t)
	// It takes minutes and wants the machine: `make faults`, a step of
	// its own in CI, rather than part of every `go test ./...`.
	if os.Getenv("SOKOHUB_FAULTS") == "" {
		t.Skip("the fault suite runs with SOKOHUB_FAULTS=1 (make faults)")
	}
	groups := [][]fault{
		{{name: "worker SIGKILLed mid-task", before: holdDeliveries, inject: killWorkerMidTask}, redisRestarted(), dropCallbacks()},
		{{name: "gateway killed mid-request", inject: killGatewayMidRequest}, databaseRefused(5 * time.Second), receiverDown()},
	}
	for i, faults := range groups {
		t.Run(fmt.Sprintf("cluster%d", i+1), func(t *testing.T) {
			t.Parallel()
			runFaults(t, i+1, faults)
		})
	}
}

func runFaults(t *testing.T, n int, faults []fault) {
	c := cluster.Start(t, cluster.Options{Gateways: 2, Workers: 2, SimDelay: 300 * time.Millisecond, OwnRedis: true})
	r := &run{c: c}
	shop := c.NewShop(t, fmt.Sprintf("faults%d", n))
	start := time.Now()
	baseline := shop.RunLoad(ordersPerPhase, customers, func(i int) string { return cluster.Phone(n*10, i) })
	baseline.Wait()
	took, rep := c.Settle(t, start, settleWithin, nil)
	require.Empty(t, rep.Problems, "without faults")
	results := []string{fmt.Sprintf("%-40s %8s  %s", "baseline (no fault)", took.Round(100*time.Millisecond), baseline)}

	t.Run("OAuthTokenIsSingleFlightAcrossWorkers", func(t *testing.T) {
		require.Equal(t, 1, c.Mints(t, shop), "one token minted for %d pushes from two workers", rep.Charges)
	})
	for i, f := range faults {
		ok := t.Run(strings.ReplaceAll(f.name, " ", "_"), func(t *testing.T) {
			phone := f.phone
			if phone == nil {
				phone = func(k int) string { return cluster.Phone(n*10+i+1, k) }
			}
			if f.before != nil {
				f.before(r)
			}
			load := shop.RunLoad(ordersPerPhase, customers, phone)
			load.WaitSent(ordersPerPhase / 3)
			from := time.Now()
			if f.inject != nil {
				if at := f.inject(t, r); !at.IsZero() {
					from = at
				}
			}
			load.Wait()
			if f.after != nil {
				if at := f.after(t, r); !at.IsZero() {
					from = at
				}
			}
			took, rep := c.Settle(t, from, settleWithin, passTimers(t, r))
			line := fmt.Sprintf("%-40s %8s  %s; in all %d orders, %d paid, %d charges", f.name, took.Round(100*time.Millisecond), load,
				rep.Orders, rep.Paid, rep.Charges)
			results = append(results, line)
			t.Log("recovered: " + line)
			require.Empty(t, rep.Problems, "after %s, once settled", f.name)
		})
		if !ok {
			break // later faults would start from a broken state
		}
	}
	t.Run("SweepRunsOncePerTickAcrossWorkers", func(t *testing.T) {
		checkSweepsOncePerTick(t, r, time.Since(start))
	})
	fmt.Printf("\nFault suite, %s: recovery time (fault to every check passing)\n%s\nOAuth tokens minted in all: %d\n\n",
		c, strings.Join(results, "\n"), c.Mints(t, shop))
}

// redisRestarted kills the cluster's Redis and starts it again empty, as
// a Redis without persistence comes back: queues, scheduled retries, the
// token cache, limits and locks are gone, and every client reconnects.
func redisRestarted() fault {
	return fault{name: "Redis restarted, its data lost", inject: func(t *testing.T, r *run) time.Time {
		down := time.Now()
		r.c.RestartRedis(t, 2*time.Second)
		r.redisDown = append(r.redisDown, [2]time.Time{down, time.Now()})
		t.Logf("Redis down %s, back empty", time.Since(down).Round(100*time.Millisecond))
		return down
	}}
}

// passTimers lets the product's long timers run out without waiting for
// them, as the clock would: while a phase settles, once every problem
// left is one only such a timer settles, the rows it waits on are moved
// back past it.
//   - A notification whose task was lost (Redis lost it) is re-enqueued by
//     the notify sweeper once it is 15 minutes old.
//   - A push a worker claimed without recording Daraja's answer (killed,
//     or the database lost between the claim and the push) is released
//     after payments.UnconfirmedPush, so the customer may try again.
//
// Recovery is still measured from the fault; the rows moved are logged.
func passTimers(t *testing.T, r *run) func(cluster.Report) {
	return func(rep cluster.Report) {
		if slices.ContainsFunc(rep.Problems, func(p string) bool { return !timerProblem(p) }) {
			return
		}
		ctx := context.Background()
		now := db.Now()
		res, err := r.c.DB.NewRaw("UPDATE notifications SET created_at = ? WHERE status = 'pending' AND created_at BETWEEN ? AND ?",
			now.Add(-16*time.Minute), now.Add(-15*time.Minute), now.Add(-30*time.Second)).Exec(ctx)
		require.NoError(t, err)
		notes := db.Affected(res)
		// A push task runs for 45 s at most: claimed a minute ago and
		// still unanswered, no worker is on it.
		res, err = r.c.DB.NewRaw("UPDATE payment_attempts SET push_started_at = ? WHERE status = 'queued' AND push_started_at BETWEEN ? AND ?",
			now.Add(-payments.UnconfirmedPush-time.Minute), now.Add(-payments.UnconfirmedPush), now.Add(-time.Minute)).Exec(ctx)
		require.NoError(t, err)
		if pushes := db.Affected(res); notes+pushes > 0 {
			t.Logf("moved back past their timers: %d notifications whose task was lost, %d pushes never confirmed", notes, pushes)
		}
	}
}

// timerProblem tells the problems only passTimers's timers settle.
func timerProblem(p string) bool {
	return strings.Contains(p, "notification") || strings.Contains(p, "confirmation") || strings.Contains(p, "payment attempts unresolved")
}

func databaseRefused(d time.Duration) fault {
	return fault{name: "PostgreSQL refuses the database " + d.String(), inject: func(t *testing.T, r *run) time.Time {
		at := time.Now()
		cutDatabase(t, r.c, d)
		return at
	}}
}

func receiverDown() fault {
	return fault{name: "webhook receiver down a (simulated) day", inject: func(_ *testing.T, r *run) time.Time {
		r.c.Hooks.Status.Store(http.StatusServiceUnavailable)
		return time.Time{}
	}, after: receiverDownForADay}
}

// holdDeliveries makes the receiver hold every webhook delivery
// unanswered, so the workers stay in the middle of webhook:deliver tasks
// for as long as the test needs.
func holdDeliveries(r *run) { r.c.Hooks.Hold() }

// killWorkerMidTask SIGKILLs the worker whose delivery the receiver is
// holding, found by its connection (so it is in the middle of that task
// when it dies), releases the rest, and starts the worker again as an
// orchestrator would.
func killWorkerMidTask(t *testing.T, r *run) time.Time {
	c := r.c
	defer c.Hooks.Release()
	var victim *cluster.Proc
	var from string
	require.Eventually(t, func() bool {
		for _, addr := range c.Hooks.Held() {
			if p, err := cluster.Owner(addr, c.Workers); err == nil && p != nil {
				victim, from = p, addr
				return true
			}
		}
		return false
	}, settleWithin, 20*time.Millisecond, "a worker's webhook delivery is held at the receiver")
	victim.Signal(syscall.SIGKILL)
	at := time.Now()
	require.Error(t, victim.Wait(10*time.Second), "killed")
	t.Logf("SIGKILLed %s in the middle of the delivery the receiver held from %s (%d held in all)", victim.Name, from, len(c.Hooks.Held()))
	c.Hooks.Release()
	time.Sleep(time.Second) // an orchestrator's restart delay
	c.Restart(victim)
	return at
}

// killGatewayMidRequest SIGKILLs a gateway while it is in the middle of a
// checkout: the test's transaction holds the orders table, so every
// checkout waits inside its own transaction until the gateway has one
// under way; then the gateway dies, the lock goes, and it is started
// again.
func killGatewayMidRequest(t *testing.T, r *run) time.Time {
	c := r.c
	gw := c.Gateways[0]
	ctx := context.Background()
	hold, err := c.DB.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = hold.Rollback() }()
	_, err = hold.ExecContext(ctx, "LOCK TABLE orders IN EXCLUSIVE MODE")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return c.Proxy.InFlight(gw.Addr) > 0 && waitingOnLocks(c) > 0 },
		settleWithin, 5*time.Millisecond, "a checkout under way at %s, held in the database", gw.Name)
	gw.Signal(syscall.SIGKILL)
	at := time.Now()
	require.Error(t, gw.Wait(10*time.Second))
	require.NoError(t, hold.Rollback())
	require.Eventually(t, func() bool { return c.Proxy.Cut(gw.Addr) > 0 }, settleWithin, 10*time.Millisecond,
		"the proxy saw %s die with a request in flight", gw.Name)
	t.Logf("SIGKILLed %s with %d requests in flight", gw.Name, c.Proxy.Cut(gw.Addr))
	time.Sleep(time.Second) // an orchestrator's restart delay
	c.Restart(gw)
	return at
}

// waitingOnLocks counts the cluster database's sessions waiting for a lock.
func waitingOnLocks(c *cluster.Cluster) int {
	var n int
	if err := c.DB.NewRaw("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").
		Scan(context.Background(), &n); err != nil {
		return 0
	}
	return n
}

// cutDatabase makes PostgreSQL refuse the cluster's database (new
// connections refused, open sessions terminated) for d, without touching
// the server or any other database.
func cutDatabase(t *testing.T, c *cluster.Cluster, d time.Duration) {
	u, err := url.Parse(c.DBURL)
	require.NoError(t, err)
	name := strings.TrimPrefix(u.Path, "/")
	admin, err := db.Open(os.Getenv("SOKOHUB_DATABASE_URL"))
	require.NoError(t, err)
	defer admin.Close()
	ctx := context.Background()
	_, err = admin.ExecContext(ctx, "ALTER DATABASE "+name+" ALLOW_CONNECTIONS false")
	require.NoError(t, err)
	defer func() {
		_, err := admin.ExecContext(ctx, "ALTER DATABASE "+name+" ALLOW_CONNECTIONS true")
		require.NoError(t, err)
	}()
	var killed int
	require.NoError(t, admin.NewRaw("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()",
		name).Scan(ctx, &killed))
	t.Logf("database %s closed to connections for %s; %d sessions terminated", name, d, killed)
	time.Sleep(d)
}

// dropCallbacks loses 30% of callbacks for the whole phase: through the
// simulator's chaos control when it has one, else by paying 30% of orders
// from the test number whose callback is never sent.
func dropCallbacks() fault {
	var chaos atomic.Bool
	return fault{name: "30% of callbacks lost",
		before: func(r *run) {
			cl := &cluster.Client{Base: r.c.SimURL(), HTTP: http.DefaultClient}
			st, err := cl.Do(context.Background(), "PUT", cl.Base+"/simulator/v1/chaos", map[string]any{"drop_callbacks": 0.3}, nil)
			chaos.Store(err == nil && st/100 == 2)
		},
		inject: func(t *testing.T, r *run) time.Time {
			if !chaos.Load() {
				t.Log("no chaos control in the simulator: 30% of orders pay from 254700000004, whose callback never comes")
				return time.Time{}
			}
			t.Log("simulator chaos: drop_callbacks 0.3")
			t.Cleanup(func() {
				cl := &cluster.Client{Base: r.c.SimURL(), HTTP: http.DefaultClient}
				_, _ = cl.Do(context.Background(), "PUT", cl.Base+"/simulator/v1/chaos", map[string]any{"drop_callbacks": 0}, nil)
			})
			return time.Time{}
		},
		phone: func(i int) string {
			if !chaos.Load() && i%10 < 3 {
				return "254700000004"
			}
			return cluster.Phone(50, i)
		},
	}
}

// receiverDownForADay lets the receiver's day-long outage pass without
// waiting: while any pending delivery has been tried fewer times than a
// day holds (seven: at 0, 5 s, 5 min, 35 min, 2 h 35, 7 h 35 and 17 h 35),
// every one not being tried has its next attempt moved to the past, as the
// clock would, and the workers try it again. Then the receiver is back and
// the eighth try, 27 h 35 after the first, delivers. Recovery is measured
// from the receiver's return.
func receiverDownForADay(t *testing.T, r *run) time.Time {
	c := r.c
	ctx := context.Background()
	const triesInADay = 7
	require.Eventually(t, func() bool {
		var behind, trying int
		err := c.DB.NewRaw("SELECT COALESCE(sum(CASE WHEN attempts < ? THEN 1 ELSE 0 END), 0), "+
			"COALESCE(sum(CASE WHEN locked_until > ? THEN 1 ELSE 0 END), 0) FROM webhook_deliveries WHERE status = 'pending'",
			triesInADay, db.Now()).Scan(ctx, &behind, &trying)
		if err != nil || behind > 0 {
			passTime(t, c, triesInADay)
		}
		return err == nil && behind == 0 && trying == 0
	}, settleWithin, 200*time.Millisecond, "every delivery was tried %d times, and none is being tried", triesInADay)
	var failed int
	require.NoError(t, c.DB.NewRaw("SELECT count(*) FROM webhook_deliveries WHERE status = 'failed'").Scan(ctx, &failed))
	require.Zero(t, failed, "a day of 503s leaves every delivery pending with retries left, none given up")
	c.Hooks.Status.Store(0)
	back := time.Now()
	passTime(t, c, triesInADay+1)
	t.Logf("receiver back after %d tries of every delivery over a simulated day (%d requests refused)", triesInADay, c.Hooks.Requests())
	return back
}

// passTime makes due, well past the sweeper's grace, the pending
// deliveries tried fewer than tries times that no worker is trying now.
func passTime(t *testing.T, c *cluster.Cluster, tries int) {
	now := db.Now()
	_, err := c.DB.NewRaw("UPDATE webhook_deliveries SET next_attempt_at = ? WHERE status = 'pending' AND attempts < ? "+
		"AND next_attempt_at > ? AND (locked_until IS NULL OR locked_until < ?)",
		now.Add(-2*time.Minute), tries, now.Add(-time.Minute), now).Exec(context.Background())
	require.NoError(t, err)
}

// checkSweepsOncePerTick reads both workers' "sweep" log lines: each tick
// of the sweep interval ran on one worker, once (bar the ticks next to a
// Redis wipe, whose record of the run went with the keys), and hardly a
// tick was skipped.
func checkSweepsOncePerTick(t *testing.T, r *run, over time.Duration) {
	interval, err := time.ParseDuration(r.c.Env["SOKOHUB_SWEEP_INTERVAL"])
	require.NoError(t, err)
	step := int64(interval / time.Second)
	excused := map[int64]bool{}
	for _, span := range r.redisDown {
		for tick := span[0].Unix()/step - 1; tick <= span[1].Unix()/step+1; tick++ {
			excused[tick] = true
		}
	}
	runs := map[int64][]string{}
	for _, w := range r.c.Workers {
		for _, l := range w.LogLines("sweep") {
			tick := int64(l["tick"].(float64))
			runs[tick] = append(runs[tick], w.Name)
		}
	}
	for tick, on := range runs {
		if !excused[tick] {
			require.Len(t, on, 1, "tick %d swept by %v", tick, on)
		}
	}
	require.GreaterOrEqual(t, len(runs), int(over/interval)*8/10, "a sweep every tick over %s", over.Round(time.Second))
	t.Logf("%d ticks over %s, each swept once across %d workers", len(runs), over.Round(time.Second), len(r.c.Workers))
}

func TestMigrationsAreSafeFromTwoProcessesAtOnce(t *testing.T) {
	requireRealServices(t)
	t.Parallel()
	bin := cluster.Binary(t)
	dbURL := dbtest.URL(t)
	env := map[string]string{"SOKOHUB_DATABASE_URL": dbURL}
	a := cluster.StartProc(t, "migrate-a", bin, "", env, "migrate", "up")
	b := cluster.StartProc(t, "migrate-b", bin, "", env, "migrate", "up")
	require.NoError(t, a.Wait(2*time.Minute), a.Logs())
	require.NoError(t, b.Wait(2*time.Minute), b.Logs())

	d, err := db.Open(dbURL)
	require.NoError(t, err)
	defer d.Close()
	m, err := db.NewMigrator(d)
	require.NoError(t, err)
	pending, err := m.Unapplied(context.Background())
	require.NoError(t, err)
	require.Empty(t, pending)
	var dup int
	require.NoError(t, d.NewRaw("SELECT count(*) FROM (SELECT name FROM bun_migrations GROUP BY name HAVING count(*) > 1) AS d").Scan(context.Background(), &dup))
	require.Zero(t, dup, "each migration applied once")
}
