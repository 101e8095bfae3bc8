package loadtest

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RSS is the resident memory of the stack's process during a phase, in
// MiB. SharesHarness is set when the stack ran inside the harness, whose
// own memory is then included.
type RSS struct {
	PeakMiB       float64 `json:"peak_mib"`
	EndMiB        float64 `json:"end_mib"`
	SharesHarness bool    `json:"shares_harness,omitempty"`
}

// rssSampler reads a process's VmRSS from /proc every 250 ms.
type rssSampler struct {
	pid    int
	shared bool
}

// watch samples until the returned function is called, which reports the
// peak and the last sample.
func (s rssSampler) watch() func() RSS {
	if s.pid == 0 {
		return func() RSS { return RSS{} }
	}
	var (
		mu   sync.Mutex
		out  = RSS{SharesHarness: s.shared}
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	sample := func() {
		if v, ok := vmRSS(s.pid); ok {
			mu.Lock()
			out.PeakMiB, out.EndMiB = max(out.PeakMiB, v), v
			mu.Unlock()
		}
	}
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
		return out
	}
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
