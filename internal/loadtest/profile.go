package loadtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// profile records each stack process's CPU profile for d (from its pprof
// port, or of this process when the stack runs here) into
// ProfileDir/<prefix>cpu-<role>.pprof; the returned function waits for
// them and adds <prefix>heap-<role>.pprof.
func (h *harness) profile(ctx context.Context, prefix string, d time.Duration) func() {
	dir := h.o.ProfileDir
	if dir == "" {
		return func() {}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		h.log.Error("profile dir", "err", err)
		return func() {}
	}
	if len(h.t.Pprof) == 0 {
		f, err := os.Create(filepath.Join(dir, prefix+"cpu-harness.pprof"))
		if err != nil || pprof.StartCPUProfile(f) != nil {
			return func() {}
		}
		return func() {
			pprof.StopCPUProfile()
			_ = f.Close()
			runtime.GC()
			if hf, err := os.Create(filepath.Join(dir, prefix+"heap-harness.pprof")); err == nil {
				_ = pprof.WriteHeapProfile(hf)
				_ = hf.Close()
			}
		}
	}
	var wg sync.WaitGroup
	for role, base := range h.t.Pprof {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.fetch(ctx, base+fmt.Sprintf("/debug/pprof/profile?seconds=%d", max(1, int(d.Seconds()))),
				filepath.Join(dir, prefix+"cpu-"+role+".pprof"))
		}()
	}
	return func() {
		wg.Wait()
		for role, base := range h.t.Pprof {
			h.fetch(ctx, base+"/debug/pprof/heap?gc=1", filepath.Join(dir, prefix+"heap-"+role+".pprof"))
		}
	}
}

func (h *harness) fetch(ctx context.Context, rawURL, file string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.log.Error("pprof", "url", rawURL, "err", err)
		return
	}
	defer res.Body.Close()
	f, err := os.Create(file)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = io.Copy(f, res.Body)
}

// Machine is what the run ran on.
type Machine struct {
	CPUs      int     `json:"cpus"`
	MemoryGiB float64 `json:"memory_gib"`
	Load1     float64 `json:"load1_at_start"`
	Go        string  `json:"go"`
	Database  string  `json:"database"`
	Redis     string  `json:"redis"`
}

func (h *harness) machine(ctx context.Context) (Machine, error) {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), Database: "SQLite", Redis: "embedded (miniredis)"}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
				m.MemoryGiB = kb / (1 << 20)
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			m.Load1, _ = strconv.ParseFloat(f[0], 64)
		}
	}
	if strings.HasPrefix(h.t.DatabaseURL, "postgres") {
		var v string
		if err := h.t.DB.QueryRowContext(ctx, "SHOW server_version").Scan(&v); err != nil {
			return m, err
		}
		m.Database = "PostgreSQL " + v
	}
	if h.t.RedisURL != "" {
		opt, err := redis.ParseURL(h.t.RedisURL)
		if err != nil {
			return m, err
		}
		rdb := redis.NewClient(opt)
		defer rdb.Close()
		info, err := rdb.Info(ctx, "server").Result()
		if err != nil {
			return m, err
		}
		for _, line := range strings.Split(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
				m.Redis = "Redis " + v
			}
		}
	}
	return m, nil
}
