package checkout

import (
	"context"
	"sync"
	"time"
)

// BusyError is returned when a checkout could not start in time because
// the gateway already runs as many as it may, in all or for that store.
// Nothing was written: the customer can simply try again.
type BusyError struct{ Wait time.Duration }

func (e *BusyError) Error() string {
	return "checkout: many people are paying right now; please try again in a moment"
}

// RetryAfter is when trying again makes sense (the Retry-After header).
func (e *BusyError) RetryAfter() time.Duration { return e.Wait }

// admissionWait is how long a checkout may queue for a slot before the
// customer is told to try again: long enough to ride out a burst, short
// enough that a phone on 3G is not left staring at a spinner.
const admissionWait = 3 * time.Second

// Admission bounds the checkouts one gateway runs at once, in all and per
// store. Each checkout holds a database connection for its transaction,
// and one store's rush queues on its own rows (its order counter, its
// best-selling product): without a per-store bound those waiting
// checkouts would take every connection and slow every other store. A
// store's checkouts queue for their store's slots first, so they never
// hold a shared slot while they wait.
type Admission struct {
	all      chan struct{}
	perStore int
	wait     time.Duration

	mu     sync.Mutex
	stores map[string]*storeSlots
}

type storeSlots struct {
	slots chan struct{}
	users int // checkouts holding or waiting for this store's slots
}

// NewAdmission allows total checkouts at once, perStore of them for one
// store; zero or less means no bound.
func NewAdmission(total, perStore int) *Admission {
	if total <= 0 || perStore <= 0 {
		return nil
	}
	return &Admission{all: make(chan struct{}, total), perStore: perStore, wait: admissionWait,
		stores: map[string]*storeSlots{}}
}

// Enter waits for a slot for storeID, or returns a *BusyError once the wait
// is over; the caller must call the release it returns. A nil Admission
// admits everything.
func (a *Admission) Enter(ctx context.Context, storeID string) (release func(), err error) {
	if a == nil {
		return func() {}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, a.wait)
	defer cancel()
	s := a.join(storeID)
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		a.leave(storeID, s)
		return nil, a.refused(ctx)
	}
	select {
	case a.all <- struct{}{}:
	case <-ctx.Done():
		<-s.slots
		a.leave(storeID, s)
		return nil, a.refused(ctx)
	}
	return func() {
		<-a.all
		<-s.slots
		a.leave(storeID, s)
	}, nil
}

// refused tells a caller that gave up (its request ended) from one that
// waited its fill.
func (a *Admission) refused(ctx context.Context) error {
	if context.Cause(ctx) == context.DeadlineExceeded {
		return &BusyError{Wait: time.Second}
	}
	return ctx.Err()
}

func (a *Admission) join(storeID string) *storeSlots {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.stores[storeID]
	if s == nil {
		s = &storeSlots{slots: make(chan struct{}, a.perStore)}
		a.stores[storeID] = s
	}
	s.users++
	return s
}

// leave forgets a store nobody is checking out in, so the map holds only
// the stores busy right now.
func (a *Admission) leave(storeID string, s *storeSlots) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s.users--; s.users == 0 {
		delete(a.stores, storeID)
	}
}
