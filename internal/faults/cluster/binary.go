// Package cluster runs SokoHub for a test the way a deployment does: the
// real sokohub binary as separate gateway, worker, migrate and simulator
// processes on loopback ports, over one fresh database and one Redis
// namespace, the gateways behind a round-robin proxy, with a webhook
// receiver and a merchant client. The fault suite (internal/faults) and
// the shutdown tests (cmd/sokohub) use it.
package cluster

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// Binary builds cmd/sokohub once per test binary (CGO_ENABLED=0, as the
// Dockerfile does) and returns its path. Call Main from TestMain so the
// build is removed at the end.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "sokohub-bin-"); buildErr != nil {
			return
		}
		// The Dockerfile's flags, so the build cache serves both.
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(buildDir, "sokohub"),
			"github.com/sokohub/sokohub/cmd/sokohub")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatalf("cluster: %v", buildErr)
	}
	return filepath.Join(buildDir, "sokohub")
}

// Main runs the package's tests and removes the built binary.
func Main(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}
