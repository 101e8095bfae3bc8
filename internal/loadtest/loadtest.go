// Package loadtest is SokoHub's load harness (sokohub loadtest): it starts
// or points at a gateway, a worker and the Daraja simulator, seeds stores
// with products and webhook endpoints, drives customers through checkout
// and payment at a target rate (or with a number of concurrent customers),
// and reports throughput, latency at each step, errors, memory, the
// machine's own limits, and an end check that nothing was lost.
//
// Every run is bounded in count and time, sends traffic only to loopback
// addresses, and stops by itself.
package loadtest

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/sokohub/sokohub/internal/outbox"
)

// Options say what to run. The zero value of a field means its default,
// except where a field says 0 turns a phase off.
type Options struct {
	// URL points at a running stack instead of starting one (its
	// SOKOHUB_DATABASE_URL and SOKOHUB_MASTER_KEY must be in DatabaseURL
	// and the environment); PID is its process, for RSS.
	URL string
	PID int
	// InProcess runs the stack in this process (tests); otherwise it runs
	// in a child process, so its memory and CPU profile are its own.
	InProcess bool
	// DatabaseURL is a PostgreSQL server to create a scratch database on;
	// empty means SQLite. RedisURL is a Redis to use under a scratch
	// namespace; empty means the embedded one.
	DatabaseURL, RedisURL string
	// StoreLimits is the stack's SOKOHUB_STORE_DARAJA_LIMITS. Default
	// "off": a throughput run measures the platform, not the limit.
	StoreLimits string

	// Stores take the main run's customers: Rate a second (open loop) or
	// Concurrency at once (closed loop, when set), for Duration.
	Stores      int
	Rate        float64
	Concurrency int
	Duration    time.Duration
	// Mix is the customers' outcomes. Default DefaultMix.
	Mix Mix
	// CallbackRate is the callbacks a second the gateway gets in all
	// during open-loop phases (default 500): the harness posts the ones
	// the simulator does not, and times their acknowledgement.
	CallbackRate float64
	// PollSample is the share of open-loop customers who watch their order
	// page, every PollEvery, until it says paid (default 0.1, 100ms).
	PollSample float64
	PollEvery  time.Duration

	// Growth runs the same load at each number of stores, at GrowthRate
	// for GrowthDuration; empty skips it.
	Growth         []int
	GrowthRate     float64
	GrowthDuration time.Duration
	// FairStores stores at FairRate each, then again with one more store
	// at 10× FairRate; 0 skips it.
	FairStores   int
	FairRate     float64
	FairDuration time.Duration
	// WebhookBurst events committed at once, then WebhookRate a second for
	// WebhookDuration, delivered alone; 0 skips it.
	WebhookBurst    int
	WebhookRate     float64
	WebhookDuration time.Duration
	// Baselines measures pgbench, redis-benchmark and an empty Fiber
	// handler for BaselineTime each.
	Baselines    bool
	BaselineTime time.Duration

	// ProfileDir, when set, receives the stack's CPU profile of the main
	// run and a heap profile after it.
	ProfileDir string
	// StackLog, when set, is the prefix of the child processes' log files:
	// StackLog.gateway and StackLog.worker (StackLog.all on SQLite).
	StackLog string
	Log      *slog.Logger
}

func (o *Options) defaults() {
	if o.Stores == 0 {
		o.Stores = 100
	}
	if o.Rate == 0 && o.Concurrency == 0 {
		o.Rate = 300
	}
	o.Duration = or(o.Duration, 30*time.Second)
	if o.Mix == nil {
		o.Mix = DefaultMix
	}
	if o.CallbackRate == 0 {
		o.CallbackRate = 500
	}
	if o.PollSample == 0 {
		o.PollSample = 0.1
	}
	o.PollEvery = or(o.PollEvery, 100*time.Millisecond)
	if o.GrowthRate == 0 {
		o.GrowthRate = 200
	}
	o.GrowthDuration = or(o.GrowthDuration, 15*time.Second)
	if o.FairRate == 0 {
		o.FairRate = 15
	}
	o.FairDuration = or(o.FairDuration, 15*time.Second)
	if o.WebhookRate == 0 {
		o.WebhookRate = 60
	}
	o.WebhookDuration = or(o.WebhookDuration, 20*time.Second)
	o.BaselineTime = or(o.BaselineTime, 5*time.Second)
	if o.StoreLimits == "" {
		o.StoreLimits = "off"
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
}

func or(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// Report is everything a run measured.
type Report struct {
	Machine   Machine            `json:"machine"`
	Stack     string             `json:"stack"`
	Baselines *Baselines         `json:"baselines,omitempty"`
	Phases    []*PhaseResult     `json:"phases"`
	Fairness  *Fairness          `json:"fairness,omitempty"`
	Webhooks  *WebhookResult     `json:"webhooks,omitempty"`
	Ratios    map[string]float64 `json:"ratios,omitempty"`
	// OK is every phase's end check passing.
	OK bool `json:"ok"`
}

// Fairness compares the other stores' checkout p99 without and with one
// store at 10× their rate.
type Fairness struct {
	BaseP99  float64 `json:"others_checkout_p99_ms"`
	HotP99   float64 `json:"others_checkout_p99_with_hot_ms"`
	Slowdown float64 `json:"slowdown"` // HotP99/BaseP99 - 1
}

// harness is one run's shared state.
type harness struct {
	o      Options
	t      *target
	client *http.Client
	hooks  *receiver
	seeder *seeder
	rss    rssSampler
	log    *slog.Logger
}

// Run starts (or attaches to) the stack, runs every phase o asks for and
// reports. The stack, its scratch database and Redis namespace are
// removed before it returns.
func Run(ctx context.Context, o Options) (*Report, error) {
	o.defaults()
	h := &harness{o: o, log: o.Log, client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: 30 * time.Second}}}
	defer h.client.CloseIdleConnections()
	t, err := startTarget(ctx, o, o.Log)
	if err != nil {
		return nil, err
	}
	defer t.close()
	h.t = t
	h.rss = rssSampler{pids: t.PIDs, shared: len(t.PIDs) == 1 && t.PIDs[0] == os.Getpid(), backends: t.backends(ctx),
		writes: t.tableWrites(ctx)}
	if h.hooks, err = newReceiver(); err != nil {
		return nil, err
	}
	defer h.hooks.close()
	if h.seeder, err = newSeeder(ctx, t, h.hooks); err != nil {
		return nil, err
	}
	rep := &Report{Stack: stackKind(o), OK: true}
	if rep.Machine, err = h.machine(ctx); err != nil {
		return nil, err
	}
	if o.Baselines {
		if rep.Baselines, err = h.baselines(ctx); err != nil {
			return nil, err
		}
	}
	if err := h.phases(ctx, rep); err != nil {
		return nil, err
	}
	for _, p := range rep.Phases {
		rep.OK = rep.OK && p.Check.OK
	}
	rep.Ratios = ratios(rep)
	return rep, nil
}

func stackKind(o Options) string {
	switch {
	case o.URL != "":
		return "attached to " + o.URL
	case o.InProcess:
		return "in-process"
	}
	return "child process"
}

// events are what every seeded store's endpoint subscribes to: the
// outcome of each payment.
var events = []string{outbox.OrderPaid, outbox.OrderPaymentFailed}

func (h *harness) phases(ctx context.Context, rep *Report) error {
	pool, err := h.seeder.seed(ctx, h.o.Stores, "shop", events)
	if err != nil {
		return err
	}
	flow, err := h.runPhase(ctx, phaseSpec{Name: "flow", Shops: pool, Rate: h.o.Rate, Concurrency: h.o.Concurrency,
		CallbackRate: h.o.CallbackRate, Duration: h.o.Duration, CountRows: true, Profiled: true})
	if err != nil {
		return err
	}
	rep.Phases = append(rep.Phases, flow)
	for _, n := range h.o.Growth {
		if extra := n - len(pool); extra > 0 {
			h.log.Info("seeding", "stores", extra)
			more, err := h.seeder.seed(ctx, extra, "shop", events)
			if err != nil {
				return err
			}
			pool = append(pool, more...)
		}
		p, err := h.runPhase(ctx, phaseSpec{Name: fmt.Sprintf("growth-%d", n), Shops: pool[:n], Rate: h.o.GrowthRate,
			CallbackRate: h.o.GrowthRate, Duration: h.o.GrowthDuration})
		if err != nil {
			return err
		}
		rep.Phases = append(rep.Phases, p)
	}
	if h.o.FairStores > 0 {
		if err := h.fairness(ctx, rep); err != nil {
			return err
		}
	}
	if h.o.WebhookBurst > 0 {
		if rep.Webhooks, err = h.webhookPhases(ctx); err != nil {
			return err
		}
	}
	return nil
}

// fairness runs FairStores stores at FairRate each, then the same with one
// more store at 10× FairRate, on stores of their own.
func (h *harness) fairness(ctx context.Context, rep *Report) error {
	shops, err := h.seeder.seed(ctx, h.o.FairStores+1, "fair", events)
	if err != nil {
		return err
	}
	others, hot := shops[:h.o.FairStores], shops[h.o.FairStores]
	rate := h.o.FairRate * float64(len(others))
	base, err := h.runPhase(ctx, phaseSpec{Name: "fair-base", Shops: others, Rate: rate, CallbackRate: rate,
		Duration: h.o.FairDuration})
	if err != nil {
		return err
	}
	hotRun, err := h.runPhase(ctx, phaseSpec{Name: "fair-hot", Shops: others, Rate: rate, Hot: hot, HotRate: 10 * h.o.FairRate,
		CallbackRate: rate + 10*h.o.FairRate, Duration: h.o.FairDuration})
	if err != nil {
		return err
	}
	rep.Phases = append(rep.Phases, base, hotRun)
	f := &Fairness{BaseP99: base.Latency["checkout"].P99, HotP99: hotRun.Latency["checkout"].P99}
	if f.BaseP99 > 0 {
		f.Slowdown = f.HotP99/f.BaseP99 - 1
	}
	rep.Fairness = f
	return nil
}

// ratios express the main run as fractions of the machine's limits.
func ratios(rep *Report) map[string]float64 {
	if rep.Baselines == nil || len(rep.Phases) == 0 {
		return nil
	}
	flow, b := rep.Phases[0], rep.Baselines
	r := map[string]float64{}
	if b.PgbenchTPS > 0 {
		r["orders_per_s / pgbench_checkout_tps"] = flow.CreatedPerS / b.PgbenchTPS
	}
	if b.FiberRPS > 0 {
		r["orders_per_s / fiber_empty_rps"] = flow.CreatedPerS / b.FiberRPS
	}
	if f := b.FiberLatency.P50; f > 0 {
		r["checkout_p50 / fiber_empty_p50"] = flow.Latency["checkout"].P50 / f
	}
	if lp := b.Redis["LPUSH (enqueue)"]; lp > 0 {
		r["paid_per_s / redis_lpush_rps"] = flow.PaidPerS / lp
	}
	return r
}
