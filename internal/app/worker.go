package app

import (
	"context"
	"errors"
	"time"

	"github.com/hibiken/asynq"

	"github.com/sokohub/sokohub/internal/queue"
)

// Worker intervals.
const (
	pollInterval  = 200 * time.Millisecond
	sweepInterval = 30 * time.Second
)

// RunWorker processes tasks until ctx ends, then hands in-flight tasks
// back to the queue within the shutdown grace period.
func (a *App) RunWorker(ctx context.Context, concurrency int) error {
	srv := asynq.NewServerFromRedisClient(a.Redis.Client, asynq.Config{
		Concurrency:              concurrency,
		Queues:                   a.Names.Weights(),
		TaskCheckInterval:        50 * time.Millisecond,
		DelayedTaskCheckInterval: time.Second,
		ShutdownTimeout:          20 * time.Second,
		RetryDelayFunc:           retryDelay,
		Logger:                   asynqLogger{a.Log},
		LogLevel:                 asynq.WarnLevel,
		// A task that returns SkipRetry, or whose retries ran out, is
		// archived; the sweeper still sees its row in the database.
	})
	mux := asynq.NewServeMux()
	mux.HandleFunc(queue.TypeSTKPush, a.Payments.HandlePush)
	mux.HandleFunc(queue.TypeSTKQuery, a.Payments.HandleQuery)
	mux.HandleFunc(queue.TypeCallback, a.Payments.HandleCallback)
	mux.HandleFunc(queue.TypeRelayEvent, a.Relay.HandleRelay)
	mux.HandleFunc(queue.TypeDeliver, a.Deliverer.HandleDeliver)
	mux.HandleFunc(queue.TypeNotify, a.Notify.HandleSend)
	mux.HandleFunc(queue.TypeSweep, a.handleSweep)
	if err := srv.Start(mux); err != nil {
		return err
	}
	a.loop(ctx, pollInterval, func(ctx context.Context) error { return a.Relay.Poll(ctx) })
	a.loop(ctx, sweepInterval, func(ctx context.Context) error {
		// One sweep per tick across every worker replica: the task id
		// carries the tick.
		tick := time.Now().Unix() / int64(sweepInterval/time.Second)
		return a.Queue.Enqueue(ctx, queue.Job{Type: queue.TypeSweep, ID: "all", Key: itoa(tick)})
	})
	<-ctx.Done()
	srv.Shutdown()
	return nil
}

func (a *App) handleSweep(ctx context.Context, t *asynq.Task) error {
	tick := time.Now().Unix() / int64(sweepInterval/time.Second)
	_, expireErr := a.Checkout.ExpireDue(ctx)
	return errors.Join(a.Payments.Sweep(ctx, tick), a.Relay.Sweep(ctx), a.Notify.Sweep(ctx), expireErr)
}

// loop runs fn every interval in the background until ctx ends.
func (a *App) loop(ctx context.Context, every time.Duration, fn func(context.Context) error) {
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := fn(ctx); err != nil && ctx.Err() == nil {
					a.Log.Error("background loop", "err", err)
				}
			}
		}
	}()
}

// retryDelay is Asynq's wait before a failed task's next try. Everything
// backs off quickly, because a customer is waiting; webhook deliveries
// schedule their own published retries (a failed delivery is not a failed
// task), so only their infrastructure errors come here.
func retryDelay(n int, _ error, _ *asynq.Task) time.Duration {
	return min(time.Duration(n*n)*2*time.Second, time.Minute)
}
