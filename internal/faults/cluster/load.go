package cluster

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Load is a bounded burst of checkouts.
type Load struct {
	// Sent counts checkouts answered so far (any status), Taken those
	// answered 201, Failed the others (a gateway killed mid-request, a
	// database outage).
	Sent, Taken, Failed atomic.Int64
	done                chan struct{}
}

// RunLoad places n checkouts from concurrency customers, each checkout
// bounded by a timeout; phone picks the paying phone of checkout i.
func (s *Shop) RunLoad(n, concurrency int, phone func(i int) string) *Load {
	l := &Load{done: make(chan struct{})}
	work := make(chan int)
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for i := range work {
				ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
				st, err := s.Checkout(ctx, phone(i))
				cancel()
				if err == nil && st == 201 {
					l.Taken.Add(1)
				} else {
					l.Failed.Add(1)
				}
				l.Sent.Add(1)
			}
		})
	}
	go func() {
		for i := range n {
			work <- i
		}
		close(work)
		wg.Wait()
		close(l.done)
	}()
	return l
}

// WaitSent waits until at least n checkouts were answered (or the load
// ended).
func (l *Load) WaitSent(n int64) {
	for l.Sent.Load() < n {
		select {
		case <-l.done:
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Wait waits for the load to end.
func (l *Load) Wait() { <-l.done }

// String summarises the load.
func (l *Load) String() string {
	return fmt.Sprintf("%d checkouts taken, %d refused or lost", l.Taken.Load(), l.Failed.Load())
}

// Phone is a valid Safaricom number the simulator approves: 2547 and
// eight digits from i and a salt, never one of the test numbers
// (2547000000xx).
func Phone(salt, i int) string {
	return fmt.Sprintf("2547%02d%06d", 10+salt%90, i%1000000)
}
