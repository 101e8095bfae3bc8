package queue

import (
	"context"
	"strings"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// DeleteNamespace removes every queue and key of namespace ns from the
// Redis at rawURL, and nothing else: tests and load runs share one Redis
// and clean up only what they made.
func DeleteNamespace(rawURL, ns string) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	insp := asynq.NewInspectorFromRedisClient(rdb)
	queues, _ := insp.Queues()
	for _, q := range queues {
		if strings.HasPrefix(q, ns+":") {
			_ = insp.DeleteQueue(q, true)
		}
	}
	ctx := context.Background()
	for _, pattern := range []string{ns + ":*", "asynq:{" + ns + ":*"} {
		iter := rdb.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
	}
}
