package queue

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// Task types. Each handler lives in the package that owns the data it
// changes; every handler is idempotent through a conditional UPDATE, since
// Asynq delivers at least once.
const (
	TypeSTKPush  = "payment:stk_push"
	TypeSTKQuery = "payment:stk_query"
	TypeCallback = "payment:callback"
	TypeDeliver  = "webhook:deliver"
	TypeNotify   = "notify:send"
	// TypeNotifyEvent sends every pending message of one event (the
	// customer's SMS and email and the seller's notice) in one task.
	TypeNotifyEvent = "notify:event"
	TypeSweep       = "maintenance:sweep"
)

// Payload is the body of every task: the id of the row the task works on,
// and the store it belongs to (for logs and per-store limits).
type Payload struct {
	ID      string `json:"id"`
	StoreID string `json:"store_id,omitempty"`
}

// Decode reads a task's payload; a malformed one can never succeed, so it
// is not retried.
func Decode(t *asynq.Task) (Payload, error) {
	var p Payload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.ID == "" {
		return p, fmt.Errorf("queue: bad %s payload: %w", t.Type(), asynq.SkipRetry)
	}
	return p, nil
}

// Job says what to run, on which row, when.
type Job struct {
	Type    string
	ID      string
	StoreID string
	// Delay postpones the task; zero runs it now.
	Delay time.Duration
	// Key distinguishes several tasks of one type for one row (the nth STK
	// Query); the task id is Type:ID:Key so a repeated enqueue collapses.
	Key string
}

func (j Job) taskID() string {
	if j.Key == "" {
		return j.Type + ":" + j.ID
	}
	return j.Type + ":" + j.ID + ":" + j.Key
}

// taskSpec is how each task type is run: its queue, its deadline and how
// often Asynq retries it before the sweeper takes over.
type taskSpec struct {
	queue    string
	timeout  time.Duration
	maxRetry int
	// retention keeps a finished task (and so its id) that long: Asynq
	// forgets a task id the moment the task completes, so without it a
	// replica enqueueing the same id a moment later runs the work again.
	retention time.Duration
}

var specs = map[string]taskSpec{
	TypeCallback:    {queue: "critical", timeout: 30 * time.Second, maxRetry: 10},
	TypeSTKPush:     {queue: "critical", timeout: 45 * time.Second, maxRetry: 3},
	TypeSTKQuery:    {queue: "default", timeout: 45 * time.Second, maxRetry: 5},
	TypeDeliver:     {queue: "webhooks", timeout: 30 * time.Second, maxRetry: 7},
	TypeNotify:      {queue: "notify", timeout: 30 * time.Second, maxRetry: 8},
	TypeNotifyEvent: {queue: "notify", timeout: 30 * time.Second, maxRetry: 8},
	// One sweep per tick across replicas: the tick is in the id, and the
	// id outlives the run (longer than any sweep interval).
	TypeSweep: {queue: "default", timeout: 60 * time.Second, maxRetry: 0, retention: time.Hour},
}
