package loadtest

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RSS is the resident memory of the stack's processes (gateway and worker
// together) during a phase, in MiB. SharesHarness is set when the stack ran
// inside the harness, whose own memory is then included.
type RSS struct {
	PeakMiB float64 `json:"peak_mib"`
	EndMiB  float64 `json:"end_mib"`
	// CPUSeconds is the CPU time the stack's processes used meanwhile: on
	// a machine shared with other work, CPU per order holds when
	// throughput and latency do not.
	CPUSeconds float64 `json:"cpu_s"`
	// DBCPUSeconds is the CPU time PostgreSQL's backends serving the
	// stack used meanwhile (0 on SQLite, whose work is in CPUSeconds):
	// with the stack's own, what an order costs the whole machine.
	DBCPUSeconds float64 `json:"db_cpu_s,omitempty"`
	// RowWrites counts the rows PostgreSQL inserted, updated or deleted
	// meanwhile, by table (from pg_stat_user_tables; empty on SQLite):
	// the work per order that no machine load can blur.
	RowWrites     map[string]int64 `json:"row_writes,omitempty"`
	SharesHarness bool             `json:"shares_harness,omitempty"`
}

// rssSampler reads the processes' VmRSS from /proc every 250 ms and adds
// them up.
type rssSampler struct {
	pids   []int
	shared bool
	// backends lists the PostgreSQL backend processes serving the stack
	// (nil on SQLite).
	backends func() []int
	// writes reads the rows written so far by table (nil on SQLite).
	writes func() map[string]int64
}

// watch samples until the returned function is called, which reports the
// peak and the last sample; with rows set it also counts the rows written,
// which costs twice statsFlush of waiting.
func (s rssSampler) watch(rows bool) func() RSS {
	if !rows {
		s.writes = nil
	}
	if len(s.pids) == 0 {
		return func() RSS { return RSS{} }
	}
	var (
		mu   sync.Mutex
		out  = RSS{SharesHarness: s.shared}
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	sample := func() {
		total := 0.0
		for _, pid := range s.pids {
			v, ok := vmRSS(pid)
			if !ok {
				return
			}
			total += v
		}
		mu.Lock()
		out.PeakMiB, out.EndMiB = max(out.PeakMiB, total), total
		mu.Unlock()
	}
	w0 := s.rowWrites() // waits for the statistics flush: CPU is counted from after it
	cpu0 := cpuSeconds(s.pids)
	db0 := s.backendCPU()
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			sample()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() RSS {
		close(done)
		wg.Wait()
		sample()
		mu.Lock()
		defer mu.Unlock()
		out.CPUSeconds = cpuSeconds(s.pids) - cpu0
		for pid, t := range s.backendCPU() {
			// A backend that exited meanwhile is missed: the stack's pools
			// keep their connections, so few do.
			out.DBCPUSeconds += t - db0[pid]
		}
		for table, n := range s.rowWrites() {
			if d := n - w0[table]; d > 0 {
				if out.RowWrites == nil {
					out.RowWrites = map[string]int64{}
				}
				out.RowWrites[table] = d
			}
		}
		return out
	}
}

// clockTicks is Linux's USER_HZ, the unit of /proc/<pid>/stat times.
const clockTicks = 100

// cpuSeconds is the user and system CPU seconds processes pids have used.
func cpuSeconds(pids []int) float64 {
	total := 0.0
	for _, pid := range pids {
		total += processCPU(pid)
	}
	return total
}

// backendCPU is the CPU seconds of each database backend serving the stack.
func (s rssSampler) backendCPU() map[int]float64 {
	out := map[int]float64{}
	if s.backends == nil {
		return out
	}
	for _, pid := range s.backends() {
		out[pid] = processCPU(pid)
	}
	return out
}

// statsFlush is how long PostgreSQL's backends may keep statistics
// unflushed once idle (PGSTAT_IDLE_INTERVAL, 10 s): row counters read
// sooner may still lack the last writes, or show earlier ones late.
const statsFlush = 11 * time.Second

// rowWrites reads the row counters once everything written before has
// been flushed (the stack is idle at both ends of a phase).
func (s rssSampler) rowWrites() map[string]int64 {
	if s.writes == nil {
		return nil
	}
	time.Sleep(statsFlush)
	return s.writes()
}

func processCPU(pid int) float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the command (which may hold spaces) close with ')'.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) <= 12 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (u + st) / clockTicks
}

// vmRSS is pid's resident set in MiB (Linux).
func vmRSS(pid int) (float64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024, err == nil
		}
	}
	return 0, false
}
