package loadtest

import (
	"context"
	"sync"
	"time"
)

// openLoop calls fire rate times a second for d, on a fixed schedule that
// does not wait for earlier calls to finish (so a slow server cannot slow
// the arrivals and hide its own latency: each call is timed from when it
// was due). At most limit calls are in flight; an arrival past that is
// dropped and counted, never queued. It returns when every call is done.
func openLoop(ctx context.Context, rate float64, d time.Duration, limit int, fire func(ctx context.Context, due time.Time)) (dropped int) {
	if rate <= 0 {
		return 0
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, limit)
	start := time.Now()
	n := int(rate * d.Seconds())
	for i := range n {
		due := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		if wait := time.Until(due); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				wg.Wait()
				return dropped
			case <-t.C:
			}
		}
		select {
		case sem <- struct{}{}:
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				fire(ctx, due)
			}()
		default:
			dropped++
		}
	}
	wg.Wait()
	return dropped
}

// closedLoop runs c callers, each calling fire again as soon as its last
// call returned, until d has passed.
func closedLoop(ctx context.Context, c int, d time.Duration, fire func(ctx context.Context, due time.Time)) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				fire(context.WithoutCancel(ctx), time.Now())
			}
		}()
	}
	wg.Wait()
}
