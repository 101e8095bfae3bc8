// Package queuetest has a stand-in for the queue in tests.
package queuetest

import (
	"context"
	"slices"
	"sync"

	"github.com/sokohub/sokohub/internal/queue"
)

// Recorder is a queue that records what is enqueued and runs nothing;
// safe for concurrent use.
type Recorder struct {
	mu   sync.Mutex
	jobs []queue.Job
}

// Enqueue records j.
func (r *Recorder) Enqueue(_ context.Context, j queue.Job) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.jobs = append(r.jobs, j)
	return nil
}

// Jobs returns what was enqueued so far, oldest first.
func (r *Recorder) Jobs() []queue.Job {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.jobs)
}
