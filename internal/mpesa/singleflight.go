package mpesa

import (
	"context"
	"sync"
)

// flightGroup runs at most one function per key at a time and hands its
// result to every caller that asked meanwhile. It is a tiny stand-in for
// golang.org/x/sync/singleflight, which this module does not require, with
// one difference we need: each waiter stops waiting when its own context
// ends, while the shared work carries on for the others.
type flightGroup struct {
	mu    sync.Mutex
	calls map[string]*flight
}

// flight is one running call.
type flight struct {
	done  chan struct{}
	value string
	err   error
}

// do runs fn for key unless a run is in progress, and waits for the result
// or for ctx to end. fn runs on its own goroutine, so it must bound its own
// running time.
func (g *flightGroup) do(ctx context.Context, key string, fn func() (string, error)) (string, error) {
	g.mu.Lock()
	if g.calls == nil {
		g.calls = map[string]*flight{}
	}
	f, running := g.calls[key]
	if !running {
		f = &flight{done: make(chan struct{})}
		g.calls[key] = f
		go func() {
			f.value, f.err = fn()
			g.mu.Lock()
			delete(g.calls, key)
			g.mu.Unlock()
			close(f.done)
		}()
	}
	g.mu.Unlock()
	select {
	case <-f.done:
		return f.value, f.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
