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

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/db/dbtest"
	"github.com/sokohub/sokohub/internal/faults/cluster"
)

func TestMain(m *testing.M) { cluster.Main(m) }

// requireRealServices skips unless PostgreSQL and Redis are configured:
// the faults are theirs (connections cut, keys lost), which SQLite and an
// embedded Redis cannot show.
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
	settleWithin   = 3 * time.Minute
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
	// and returns the time recovery is measured from.
	after func(t *testing.T, r *run) time.Time
}

// run is one cluster going through its faults.
type run struct {
	c *cluster.Cluster
	// wiped is when the Redis namespace was wiped: a sweep tick may run
	// twice across it (the record of the tick's run went with the keys).
	wiped []time.Time
}

// TestFaultsLoseNothing puts two clusters (each two gateways and two
// workers) through three faults each, in parallel to stay within a few
// minutes: most recoveries take a minute of fixed timers (Asynq's lease
// recovery, the sweeper's one-minute thresholds), and the clusters share
// nothing but the servers.
func TestFaultsLoseNothing(t *testing.T) {
	requireRealServices(t)
	// Opt-in until its timing conditions hold on a loaded 2-core machine:
	// it failed now and then on the harness's own waits ("a worker is
	// running tasks"), not on what it checks. Run it with `make faults`.
	if os.Getenv("SOKOHUB_FAULTS") == "" {
		t.Skip("the fault suite runs with SOKOHUB_FAULTS=1 (make faults)")
	}
	groups := [][]fault{
		{{name: "worker SIGKILLed mid-task", before: slowReceiver, inject: killWorkerMidTask}, redisWiped(), dropCallbacks()},
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
	c := cluster.Start(t, cluster.Options{Gateways: 2, Workers: 2, SimDelay: 300 * time.Millisecond})
	r := &run{c: c}
	shop := c.NewShop(t, fmt.Sprintf("faults%d", n))
	start := time.Now()
	baseline := shop.RunLoad(ordersPerPhase, customers, func(i int) string { return cluster.Phone(n*10, i) })
	baseline.Wait()
	took, rep := c.Settle(start, settleWithin)
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
				from = f.after(t, r)
			}
			took, rep := c.Settle(from, settleWithin)
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

func redisWiped() fault {
	return fault{name: "Redis namespace wiped", inject: func(t *testing.T, r *run) time.Time {
		r.wiped = append(r.wiped, time.Now())
		n := r.c.WipeRedis(context.Background())
		t.Logf("deleted %d keys of namespace %s (queues, token cache, limits, locks); the shared Redis is not flushed", n, r.c.Namespace)
		return time.Time{}
	}, after: notificationSweepPasses}
}

// notificationSweepPasses waits for everything but the notifications
// whose tasks the wipe lost: the notify sweeper re-enqueues those only
// once they are 15 minutes old, so their creation is moved back past that
// rather than waited for. Recovery is still measured from the wipe.
func notificationSweepPasses(t *testing.T, r *run) time.Time {
	ctx := context.Background()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		rep, err := r.c.Check(ctx)
		if err == nil && !slices.ContainsFunc(rep.Problems, func(p string) bool {
			return !strings.Contains(p, "notification") && !strings.Contains(p, "confirmation")
		}) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	res, err := r.c.DB.NewRaw("UPDATE notifications SET created_at = ? WHERE status = 'pending'", db.Now().Add(-16*time.Minute)).Exec(ctx)
	require.NoError(t, err)
	t.Logf("%d notifications still pending %s after the wipe: moved 16 minutes back for the notify sweeper",
		db.Affected(res), time.Since(r.wiped[len(r.wiped)-1]).Round(100*time.Millisecond))
	return r.wiped[len(r.wiped)-1]
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

// slowReceiver makes every webhook delivery take 2 s, so deliveries are
// in flight across Asynq's 5 s heartbeats (which is when the servers'
// active tasks are recorded) and a worker is killed in the middle of one.
func slowReceiver(r *run) { r.c.Hooks.Delay.Store(int64(2 * time.Second)) }

// killWorkerMidTask SIGKILLs a worker while Asynq shows it running tasks,
// then starts it again, as an orchestrator would.
func killWorkerMidTask(t *testing.T, r *run) time.Time {
	c := r.c
	defer c.Hooks.Delay.Store(0)
	insp := c.Inspector()
	var victim *cluster.Proc
	var tasks []string
	require.Eventually(t, func() bool {
		servers, err := insp.Servers()
		if err != nil {
			return false
		}
		for _, s := range servers {
			for _, w := range c.Workers {
				if s.PID == w.PID() && len(s.ActiveWorkers) > 0 {
					victim = w
					for _, a := range s.ActiveWorkers {
						tasks = append(tasks, a.TaskType)
					}
					return true
				}
			}
		}
		return false
	}, 30*time.Second, 50*time.Millisecond, "a worker is running tasks")
	victim.Signal(syscall.SIGKILL)
	at := time.Now()
	require.Error(t, victim.Wait(10*time.Second), "killed")
	t.Logf("SIGKILLed %s running %v", victim.Name, tasks)
	time.Sleep(time.Second)
	c.Restart(victim)
	return at
}

// killGatewayMidRequest SIGKILLs a gateway while its own metrics show
// requests in flight besides the scrape, then starts it again.
func killGatewayMidRequest(t *testing.T, r *run) time.Time {
	c := r.c
	gw := c.Gateways[0]
	require.Eventually(t, func() bool { return inFlight(gw.Addr) >= 2 }, 20*time.Second, 5*time.Millisecond,
		"a request is under way at %s", gw.Name)
	gw.Signal(syscall.SIGKILL)
	at := time.Now()
	require.Error(t, gw.Wait(10*time.Second))
	time.Sleep(time.Second)
	c.Restart(gw)
	return at
}

// inFlight reads sokohub_http_requests_in_flight from a gateway (the
// scrape itself is one).
func inFlight(addr string) float64 {
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(res.Body)
	if err != nil {
		return 0
	}
	mf, ok := mfs["sokohub_http_requests_in_flight"]
	if !ok || len(mf.Metric) == 0 {
		return 0
	}
	return mf.Metric[0].GetGauge().GetValue()
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
// waiting: each round moves every pending delivery's next attempt (and its
// lease) to the past, as the clock would, and waits for the workers to try
// it again; a day holds seven tries (at 0, 5 s, 5 min, 35 min, 2 h 35, 7 h 35
// and 17 h 35). Then the receiver is back and the eighth try, 27 h 35 after
// the first, delivers. Recovery is measured from the receiver's return.
func receiverDownForADay(t *testing.T, r *run) time.Time {
	c := r.c
	ctx := context.Background()
	const triesInADay = 7
	for round := 1; ; round++ {
		var fewest, inFlight int
		require.Eventually(t, func() bool {
			err := c.DB.NewRaw("SELECT COALESCE(min(attempts), 0), COALESCE(sum(CASE WHEN locked_until > ? THEN 1 ELSE 0 END), 0) "+
				"FROM webhook_deliveries WHERE status = 'pending'", db.Now()).Scan(ctx, &fewest, &inFlight)
			return err == nil && fewest >= round && inFlight == 0
		}, time.Minute, 100*time.Millisecond, "every delivery was tried %d times, and none is being tried", round)
		if round >= triesInADay {
			break
		}
		passTime(t, c, round)
	}
	var failed int
	require.NoError(t, c.DB.NewRaw("SELECT count(*) FROM webhook_deliveries WHERE status = 'failed'").Scan(ctx, &failed))
	require.Zero(t, failed, "a day of 503s leaves every delivery pending with retries left, none given up")
	c.Hooks.Status.Store(0)
	back := time.Now()
	passTime(t, c, triesInADay)
	t.Logf("receiver back after %d tries of every delivery over a simulated day (%d requests refused)", triesInADay, c.Hooks.Requests())
	return back
}

// passTime makes the pending deliveries tried tries times due, well past
// the sweeper's grace (those already further along, by a retry that came
// on its own, wait for their own time).
func passTime(t *testing.T, c *cluster.Cluster, tries int) {
	past := db.Now().Add(-2 * time.Minute)
	_, err := c.DB.NewRaw("UPDATE webhook_deliveries SET next_attempt_at = ?, locked_until = NULL WHERE status = 'pending' AND attempts = ?",
		past, tries).Exec(context.Background())
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
	for _, w := range r.wiped {
		tick := w.Unix() / step
		excused[tick-1], excused[tick], excused[tick+1] = true, true, true
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
