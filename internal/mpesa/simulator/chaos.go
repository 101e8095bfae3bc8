package simulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"
)

// MaxChaosLatency bounds Chaos.Latency.
const MaxChaosLatency = time.Minute

// Chaos is fault injection on top of every number's behaviour. The zero
// value injects nothing. Set it with [Simulator.SetChaos] or
// PUT /simulator/v1/chaos.
//
// Which requests are hit is drawn from random streams seeded with Seed and
// restarted by every SetChaos, one draw per accepted push and one per answered
// query: the same seed and the same sequence of pushes (and of queries) hit
// the same ones, however the callbacks interleave.
type Chaos struct {
	// DropCallbacks is the fraction (0 to 1) of accepted pushes whose
	// callbacks are never sent. The transaction still resolves, so the STK
	// Query tells the truth.
	DropCallbacks float64
	// DuplicateCallbacks is the fraction of accepted pushes whose callback
	// is sent once more than their behaviour says. DropCallbacks +
	// DuplicateCallbacks is at most 1: a push is dropped or duplicated, not
	// both.
	DuplicateCallbacks float64
	// SpikeArrest is the fraction of STK Pushes and Queries that would have
	// been answered normally but get HTTP 500 500.003.02 "Spike Arrest
	// Violation" instead. A refused push creates no transaction.
	SpikeArrest float64
	// Latency is added before every Daraja route (OAuth, push, query)
	// answers. At most MaxChaosLatency.
	Latency time.Duration
	// Seed seeds the draws.
	Seed uint64
}

// TransactionChaos is what the chaos knobs did to one transaction, so a test
// can compare the platform against what really happened.
type TransactionChaos struct {
	// CallbacksDropped is how many callbacks its behaviour would have sent
	// that chaos kept back.
	CallbacksDropped int `json:"callbacks_dropped"`
	// CallbacksDuplicated is how many extra callbacks chaos sent.
	CallbacksDuplicated int `json:"callbacks_duplicated"`
	// QueriesSpikeArrested is how many of its STK Queries were answered
	// 500.003.02 Spike Arrest Violation.
	QueriesSpikeArrested int `json:"queries_spike_arrested"`
}

func (c Chaos) validate() error {
	var errs []error
	for _, f := range []struct {
		name string
		v    float64
	}{{"drop_callbacks", c.DropCallbacks}, {"duplicate_callbacks", c.DuplicateCallbacks}, {"spike_arrest", c.SpikeArrest}} {
		if !(f.v >= 0 && f.v <= 1) { // also refuses NaN
			errs = append(errs, fmt.Errorf("%s must be a fraction between 0 and 1", f.name))
		}
	}
	if c.DropCallbacks+c.DuplicateCallbacks > 1 {
		errs = append(errs, errors.New("drop_callbacks + duplicate_callbacks must be at most 1"))
	}
	if c.Latency < 0 || c.Latency > MaxChaosLatency {
		errs = append(errs, fmt.Errorf("latency must be between 0s and %s", MaxChaosLatency))
	}
	return errors.Join(errs...)
}

// chaosJSON is Chaos on the control API, with the latency as a Go duration
// string ("200ms").
type chaosJSON struct {
	DropCallbacks      float64 `json:"drop_callbacks"`
	DuplicateCallbacks float64 `json:"duplicate_callbacks"`
	SpikeArrest        float64 `json:"spike_arrest"`
	Latency            string  `json:"latency"`
	Seed               uint64  `json:"seed"`
}

// MarshalJSON writes {"drop_callbacks","duplicate_callbacks","spike_arrest",
// "latency","seed"} with the latency as a string such as "200ms".
func (c Chaos) MarshalJSON() ([]byte, error) {
	return json.Marshal(chaosJSON{c.DropCallbacks, c.DuplicateCallbacks, c.SpikeArrest, c.Latency.String(), c.Seed})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (c *Chaos) UnmarshalJSON(data []byte) error {
	var w chaosJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	var err error
	*c, err = w.chaos()
	return err
}

func (w chaosJSON) chaos() (Chaos, error) {
	c := Chaos{DropCallbacks: w.DropCallbacks, DuplicateCallbacks: w.DuplicateCallbacks, SpikeArrest: w.SpikeArrest, Seed: w.Seed}
	if w.Latency != "" {
		d, err := time.ParseDuration(w.Latency)
		if err != nil {
			return Chaos{}, errors.New("latency must be a Go duration such as 200ms")
		}
		c.Latency = d
	}
	return c, nil
}

// callbackFate is what chaos does to the callbacks of one transaction.
type callbackFate int

const (
	fateAsBehaved callbackFate = iota
	fateDrop
	fateDuplicate
)

// Independent random streams, so queries never shift the draws of pushes.
const (
	streamPushes uint64 = iota + 1
	streamQueries
)

// chaosState is the current knobs and their random streams, guarded by
// Simulator.mu.
type chaosState struct {
	knobs   Chaos
	pushes  *rand.Rand
	queries *rand.Rand
}

func newChaosState(c Chaos) chaosState {
	return chaosState{
		knobs:   c,
		pushes:  rand.New(rand.NewPCG(c.Seed, streamPushes)),
		queries: rand.New(rand.NewPCG(c.Seed, streamQueries)),
	}
}

// push draws the fate of a push that would be accepted: whether it is
// refused with spike arrest, and what happens to its callbacks. It always
// takes the same two draws, so changing one knob does not move the others.
func (c *chaosState) push() (spike bool, fate callbackFate) {
	spike = c.pushes.Float64() < c.knobs.SpikeArrest
	switch u := c.pushes.Float64(); {
	case u < c.knobs.DropCallbacks:
		fate = fateDrop
	case u < c.knobs.DropCallbacks+c.knobs.DuplicateCallbacks:
		fate = fateDuplicate
	}
	return spike, fate
}

// query draws whether a query that would be answered gets spike arrest.
func (c *chaosState) query() (spike bool) {
	return c.queries.Float64() < c.knobs.SpikeArrest
}

// SetChaos replaces the chaos knobs and restarts their random streams from
// c.Seed. The knobs apply to requests from now on; a push already accepted
// keeps the callback fate it drew.
func (s *Simulator) SetChaos(c Chaos) error {
	if err := c.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chaos = newChaosState(c)
	s.log.Info("simulator: chaos set", "drop_callbacks", c.DropCallbacks, "duplicate_callbacks", c.DuplicateCallbacks,
		"spike_arrest", c.SpikeArrest, "latency", c.Latency.String(), "seed", c.Seed)
	return nil
}

// Chaos returns the current chaos knobs.
func (s *Simulator) Chaos() Chaos {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chaos.knobs
}

// withLatency delays a Daraja route by the chaos latency. A client that goes
// away stops the wait and gets nothing; Close ends it early so shutdown is
// not held up.
func (s *Simulator) withLatency(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if d := s.Chaos().Latency; d > 0 {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
			case <-s.closing:
			case <-r.Context().Done():
				return
			}
		}
		h(w, r)
	}
}
