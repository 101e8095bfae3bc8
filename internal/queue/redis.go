// Package queue wires Asynq: the Redis connection (or the embedded one in
// dev), the queue names, the task types with their payloads, and enqueueing
// that treats "already queued" as done.
package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Redis is the shared go-redis client, and what to stop when done.
type Redis struct {
	Client   redis.UniversalClient
	embedded *miniredis.Miniredis
}

// ConnectRedis dials url (redis://…), or starts an embedded in-process Redis
// when url is empty (dev and tests).
func ConnectRedis(ctx context.Context, url string) (*Redis, error) {
	if url == "" {
		mr, err := miniredis.Run()
		if err != nil {
			return nil, fmt.Errorf("queue: start embedded redis: %w", err)
		}
		return &Redis{Client: redis.NewClient(&redis.Options{Addr: mr.Addr()}), embedded: mr}, nil
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("queue: SOKOHUB_REDIS_URL: %w", err)
	}
	c := redis.NewClient(opt)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := c.Ping(pctx).Err(); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("queue: connect redis: %w", err)
	}
	return &Redis{Client: c}, nil
}

// Embedded returns the in-process Redis, or nil when connected to a real one.
func (r *Redis) Embedded() *miniredis.Miniredis { return r.embedded }

// Close closes the client and stops the embedded server.
func (r *Redis) Close() error {
	err := r.Client.Close()
	if r.embedded != nil {
		r.embedded.Close()
	}
	return err
}
