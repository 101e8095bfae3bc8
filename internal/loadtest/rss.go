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
	CPUSeconds    float64 `json:"cpu_s"`
	SharesHarness bool    `json:"shares_harness,omitempty"`
}

// rssSampler reads the processes' VmRSS from /proc every 250 ms and adds
// them up.
type rssSampler struct {
	pids   []int
	shared bool
}

// watch samples until the returned function is called, which reports the
// peak and the last sample.
func (s rssSampler) watch() func() RSS {
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
	cpu0 := s.cpu()
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
		out.CPUSeconds = s.cpu() - cpu0
		return out
	}
}

// clockTicks is Linux's USER_HZ, the unit of /proc/<pid>/stat times.
const clockTicks = 100

// cpu is the user and system CPU seconds the processes have used.
func (s rssSampler) cpu() float64 {
	total := 0.0
	for _, pid := range s.pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command (which may hold spaces) close with ')'.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) > 12 {
			u, _ := strconv.ParseFloat(f[11], 64)
			st, _ := strconv.ParseFloat(f[12], 64)
			total += (u + st) / clockTicks
		}
	}
	return total
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
