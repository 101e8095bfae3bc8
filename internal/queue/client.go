package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Names prefixes every queue with a namespace, so deployments and test runs
// sharing one Redis never see each other's tasks.
type Names struct{ Namespace string }

// Queue returns the namespaced name of queue q.
func (n Names) Queue(q string) string { return n.Namespace + ":" + q }

// Weights is the server's queue priorities: callbacks and pushes first.
func (n Names) Weights() map[string]int {
	return map[string]int{n.Queue("critical"): 6, n.Queue("default"): 3, n.Queue("webhooks"): 3, n.Queue("notify"): 1}
}

// Client enqueues jobs.
type Client struct {
	c     *asynq.Client
	names Names
}

// NewClient returns a Client on rdb.
func NewClient(rdb redis.UniversalClient, names Names) *Client {
	return &Client{c: asynq.NewClientFromRedisClient(rdb), names: names}
}

// Enqueue schedules j. A job already queued under the same id is not an
// error: the work will happen once either way.
func (c *Client) Enqueue(ctx context.Context, j Job) error {
	spec, ok := specs[j.Type]
	if !ok {
		return fmt.Errorf("queue: unknown task type %q", j.Type)
	}
	body, err := json.Marshal(Payload{ID: j.ID, StoreID: j.StoreID})
	if err != nil {
		return err
	}
	opts := []asynq.Option{
		asynq.Queue(c.names.Queue(spec.queue)),
		asynq.TaskID(j.taskID()),
		asynq.Timeout(spec.timeout),
		asynq.MaxRetry(spec.maxRetry),
	}
	if spec.retention > 0 {
		opts = append(opts, asynq.Retention(spec.retention))
	}
	if j.Delay > 0 {
		opts = append(opts, asynq.ProcessIn(j.Delay))
	}
	_, err = c.c.EnqueueContext(ctx, asynq.NewTask(j.Type, body), opts...)
	if errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
		return nil
	}
	return err
}
