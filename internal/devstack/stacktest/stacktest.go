// Package stacktest starts a whole SokoHub stack for a test: gateway,
// worker and Daraja simulator on a loopback port, on a fresh database
// (PostgreSQL when SOKOHUB_DATABASE_URL is set, SQLite otherwise) and Redis
// (SOKOHUB_REDIS_URL under a namespace of its own, or an embedded one),
// all removed when the test ends.
package stacktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/sokohub/sokohub/internal/config"
	"github.com/sokohub/sokohub/internal/db/dbtest"
	"github.com/sokohub/sokohub/internal/devstack"
)

// Options adjust the stack.
type Options struct {
	// Env overrides configuration variables (SOKOHUB_SIM_DELAY defaults to 0s,
	// SOKOHUB_QUERY_DELAY to 2s).
	Env map[string]string
	// Log receives the stack's logs; nil discards them.
	Log io.Writer
}

// Start runs a stack for t and stops it at cleanup.
func Start(t testing.TB, o Options) *devstack.Stack {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("stacktest: listen: %v", err)
	}
	ns := "sokohub-test-" + randomHex()
	env := map[string]string{
		"SOKOHUB_HTTP_ADDR":       ln.Addr().String(),
		"SOKOHUB_DATA_DIR":        t.TempDir(),
		"SOKOHUB_DATABASE_URL":    dbtest.URL(t),
		"SOKOHUB_REDIS_URL":       os.Getenv("SOKOHUB_REDIS_URL"),
		"SOKOHUB_REDIS_NAMESPACE": ns,
		"SOKOHUB_SIM_DELAY":       "0s",
		"SOKOHUB_QUERY_DELAY":     "2s",
	}
	for k, v := range o.Env {
		env[k] = v
	}
	cfg, err := config.Load(config.ModeDev, func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("stacktest: config: %v", err)
	}
	w := o.Log
	if w == nil {
		w = io.Discard
	}
	s, err := devstack.Start(context.Background(), cfg, ln, slog.New(slog.NewJSONHandler(w, nil)))
	if err != nil {
		t.Fatalf("stacktest: start: %v", err)
	}
	t.Cleanup(func() {
		s.Stop()
		if url := env["SOKOHUB_REDIS_URL"]; url != "" {
			cleanRedis(t, url, ns)
		}
	})
	return s
}

// cleanRedis removes the test's queues and keys from a shared Redis.
func cleanRedis(t testing.TB, url, ns string) {
	opt, err := redis.ParseURL(url)
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

func randomHex() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
