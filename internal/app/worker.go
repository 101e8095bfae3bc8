package app

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"

	"github.com/sokohub/sokohub/internal/observability"
	"github.com/sokohub/sokohub/internal/queue"
)

// pollInterval is how often the outbox relay looks for new events: it
// bounds how long a committed event waits before its webhook is on its way
// (docs/benchmarks.md), and an empty poll is one indexed query.
const pollInterval = 25 * time.Millisecond

// taskCheckInterval is how long an idle worker sleeps between looks at
// empty queues: each step of the flow (push, callback, relay, delivery) is
// a task, so at low load the sleeps add up along the chain.
const taskCheckInterval = 10 * time.Millisecond

// RunWorker processes tasks until ctx ends; then in-flight tasks get the
// shutdown grace period (SOKOHUB_SHUTDOWN_GRACE) to finish, and Asynq
// hands the unfinished ones back to their queues, before it returns.
func (a *App) RunWorker(ctx context.Context) error {
	srv := asynq.NewServerFromRedisClient(a.Redis.Client, asynq.Config{
		Concurrency:              a.Config.WorkerConcurrency,
		Queues:                   a.Names.Weights(),
		TaskCheckInterval:        taskCheckInterval,
		DelayedTaskCheckInterval: time.Second,
		ShutdownTimeout:          a.Config.ShutdownGrace,
		RetryDelayFunc:           retryDelay,
		Logger:                   asynqLogger{a.Log},
		LogLevel:                 asynq.WarnLevel,
		// A task that returns SkipRetry, or whose retries ran out, is
		// archived; the sweeper still sees its row in the database.
	})
	mux := asynq.NewServeMux()
	mux.Use(a.taskMetrics.Middleware)
	mux.HandleFunc(queue.TypeSTKPush, a.Payments.HandlePush)
	mux.HandleFunc(queue.TypeSTKQuery, a.Payments.HandleQuery)
	mux.HandleFunc(queue.TypeCallback, a.Payments.HandleCallback)
	mux.HandleFunc(queue.TypeDeliver, a.Deliverer.HandleDeliver)
	mux.HandleFunc(queue.TypeNotify, a.Notify.HandleSend)
	mux.HandleFunc(queue.TypeNotifyEvent, a.Notify.HandleSendEvent)
	mux.HandleFunc(queue.TypeSweep, a.handleSweep)
	if err := srv.Start(mux); err != nil {
		return err
	}
	metrics := a.Metrics.NewWorkerMetrics(observability.WorkerConfig{DB: a.DB,
		Inspector: asynq.NewInspectorFromRedisClient(a.Redis.Client), Namespace: a.Names.Namespace,
		Queues: slices.Sorted(maps.Keys(a.Names.Weights())), Every: a.Config.MetricsRefresh, Log: a.Log})
	var loops sync.WaitGroup
	loops.Go(func() { metrics.Run(ctx) })
	loops.Go(func() { a.loop(ctx, pollInterval, func(ctx context.Context) error { return a.Relay.Poll(ctx) }) })
	loops.Go(func() {
		a.loop(ctx, a.Config.SweepInterval, func(ctx context.Context) error {
			// One sweep per tick across every worker replica: the task id
			// carries the tick.
			return a.Queue.Enqueue(ctx, queue.Job{Type: queue.TypeSweep, ID: "all", Key: itoa(a.sweepTick())})
		})
	})
	<-ctx.Done()
	srv.Shutdown()
	loops.Wait() // nothing touches the database or Redis once we return
	return nil
}

// sweepTick numbers the current sweep interval.
func (a *App) sweepTick() int64 {
	return time.Now().Unix() / int64(a.Config.SweepInterval/time.Second)
}

func (a *App) handleSweep(ctx context.Context, t *asynq.Task) error {
	// The tick the task was enqueued for (the end of its id), which may
	// be the previous one by the time it runs.
	id, _ := asynq.GetTaskID(ctx)
	tick, err := strconv.ParseInt(id[strings.LastIndexByte(id, ':')+1:], 10, 64)
	if err != nil {
		tick = a.sweepTick()
	}
	a.Log.InfoContext(ctx, "sweep", "tick", tick, "task_id", id)
	_, expireErr := a.Checkout.ExpireDue(ctx)
	return errors.Join(a.Payments.Sweep(ctx, tick), a.Relay.Sweep(ctx), a.Notify.Sweep(ctx), expireErr)
}

// loop runs fn every interval until ctx ends.
func (a *App) loop(ctx context.Context, every time.Duration, fn func(context.Context) error) {
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
}

// retryDelay is Asynq's wait before a failed task's next try. Everything
// backs off quickly, because a customer is waiting; webhook deliveries
// schedule their own published retries (a failed delivery is not a failed
// task), so only their infrastructure errors come here.
func retryDelay(n int, _ error, _ *asynq.Task) time.Duration {
	return min(time.Duration(n*n)*2*time.Second, time.Minute)
}
