package loadtest

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// phaseSpec is one measured run of customers.
type phaseSpec struct {
	Name string
	// Shops share Rate evenly (open loop), or Concurrency customers
	// (closed loop) when it is set.
	Shops       []*shop
	Rate        float64
	Concurrency int
	// Hot, when set, is one more store taking HotRate on top.
	Hot     *shop
	HotRate float64
	// CallbackRate is the callbacks per second the gateway should see in
	// all: the harness tops up the simulator's with its own.
	CallbackRate float64
	Duration     time.Duration
	// CountRows counts the rows written per order (PostgreSQL only; it
	// adds about 20 s of waiting for the statistics).
	CountRows bool
	// Profiled records the stack's CPU profile over the load and its heap
	// profile after (with --profile).
	Profiled bool
}

// phaseRun is what a phase collects while it runs.
type phaseRun struct {
	spec        phaseSpec
	start, end  time.Time
	checkout    series // every store but the hot one
	checkoutHot series
	callbackAck series
	seenPaid    series
	errs        counter
	dropped     int
	closed      bool           // a closed loop: customers wait for their order
	watchers    sync.WaitGroup // open-loop customers still watching their order
	mu          sync.Mutex
	orders      map[string]*placed
}

// maxInFlight bounds the open loop's outstanding requests; arrivals past
// it are dropped and reported (the client, not the server, is then the
// limit).
const maxInFlight = 4096

func (h *harness) runPhase(ctx context.Context, spec phaseSpec) (*PhaseResult, error) {
	left, err := h.quiesce(ctx)
	if err != nil {
		return nil, err
	}
	r := &phaseRun{spec: spec, orders: map[string]*placed{}, closed: spec.Concurrency > 0}
	h.log.Info("phase", "name", spec.Name, "stores", len(spec.Shops), "rate", spec.Rate, "concurrency", spec.Concurrency,
		"duration", spec.Duration)
	stopRSS := h.rss.watch(spec.CountRows)
	stopProfile := func() {}
	if spec.Profiled {
		stopProfile = h.profile(ctx, "", spec.Duration) // the load itself, not the wait before it
	}
	r.start = time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	stream := func(rate float64, fire func(context.Context, time.Time)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := openLoop(ctx, rate, spec.Duration, maxInFlight, fire)
			mu.Lock()
			r.dropped += d
			mu.Unlock()
		}()
	}
	watched := func() bool { return rand.Float64() < h.o.PollSample }
	if spec.Concurrency > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			closedLoop(ctx, spec.Concurrency, spec.Duration, func(ctx context.Context, due time.Time) {
				h.checkout(ctx, r, due, spec.Shops[rand.IntN(len(spec.Shops))], false, true)
			})
		}()
	} else {
		stream(spec.Rate, func(ctx context.Context, due time.Time) {
			h.checkout(ctx, r, due, spec.Shops[rand.IntN(len(spec.Shops))], false, watched())
		})
	}
	if spec.Hot != nil {
		stream(spec.HotRate, func(ctx context.Context, due time.Time) { h.checkout(ctx, r, due, spec.Hot, true, watched()) })
	}
	// The simulator calls back once per accepted push; the harness adds
	// the rest. A closed loop's rate is unknown beforehand, so it gets no
	// top-up and its acknowledgements go unmeasured.
	if topUp := spec.CallbackRate - spec.Rate - spec.HotRate; topUp > 0 && spec.Concurrency == 0 {
		stream(topUp, func(ctx context.Context, due time.Time) { h.callback(ctx, r, due) })
	}
	wg.Wait()
	r.end = time.Now()
	r.watchers.Wait()
	drainedAt, err := h.drain(ctx, r)
	rss := stopRSS()
	stopProfile()
	if err != nil {
		return nil, err
	}
	res, err := h.results(ctx, r, drainedAt)
	if err != nil {
		return nil, err
	}
	res.RSS, res.BacklogAtStart = rss, left
	return res, nil
}
