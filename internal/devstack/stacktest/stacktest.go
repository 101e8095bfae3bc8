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
	"testing"

	"github.com/sokohub/sokohub/internal/config"
	"github.com/sokohub/sokohub/internal/db/dbtest"
	"github.com/sokohub/sokohub/internal/devstack"
	"github.com/sokohub/sokohub/internal/queue"
)

// AdminEmail and AdminPassword are the platform admin of a stack started
// with Options.Admin.
const (
	AdminEmail    = "ops@sokohub.test"
	AdminPassword = "ops-password-1"
)

// Options adjust the stack.
type Options struct {
	// Admin creates the platform admin AdminEmail (SOKOHUB_ADMIN_EMAIL and
	// SOKOHUB_ADMIN_PASSWORD), for tests of the console and of support
	// access.
	Admin bool
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
	if o.Admin {
		env["SOKOHUB_ADMIN_EMAIL"], env["SOKOHUB_ADMIN_PASSWORD"] = AdminEmail, AdminPassword
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
			queue.DeleteNamespace(url, ns)
		}
	})
	return s
}

func randomHex() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
