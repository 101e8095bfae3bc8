package cluster

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Proc is one sokohub process. Its stderr (JSON logs) and stdout are kept
// in memory and in a file under the test's temp dir.
type Proc struct {
	Name string
	// Addr is the process's listen address (gateway, simulator, worker
	// ops), "" when it has none.
	Addr string
	t    testing.TB
	bin  string
	args []string
	env  map[string]string

	mu      sync.Mutex
	cmd     *exec.Cmd
	logs    bytes.Buffer // every run's output, oldest first
	done    chan struct{}
	waitErr error
}

// StartProc runs bin with args and env (on top of a clean environment: no
// SOKOHUB_ variable of the test's own leaks in); the test's cleanup kills
// it if it still runs.
func StartProc(t testing.TB, name, bin, addr string, env map[string]string, args ...string) *Proc {
	t.Helper()
	p := &Proc{Name: name, Addr: addr, t: t, bin: bin, args: args, env: env}
	p.Start()
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("--- %s: warnings and errors (at most 60), then the last 20 lines:\n%s\n...\n%s",
				p.Name, tail(p.problems(), 60), tail(p.Logs(), 20))
		}
	})
	return p
}

// Start runs the process (again, after it stopped).
func (p *Proc) Start() {
	p.t.Helper()
	cmd := exec.Command(p.bin, p.args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SOKOHUB_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range p.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	f, err := os.OpenFile(filepath.Join(p.t.TempDir(), p.Name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		p.t.Fatalf("cluster: %s log: %v", p.Name, err)
	}
	w := io.MultiWriter(f, writerFunc(func(b []byte) (int, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.logs.Write(b)
	}))
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("cluster: start %s: %v", p.Name, err)
	}
	done := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.done = cmd, done
	p.mu.Unlock()
	go func() {
		err := cmd.Wait()
		_ = f.Close()
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		close(done)
	}()
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// PID is the running process's id.
func (p *Proc) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd.Process.Pid
}

// Signal sends sig to the process.
func (p *Proc) Signal(sig syscall.Signal) {
	p.mu.Lock()
	cmd := p.cmd
	p.mu.Unlock()
	_ = cmd.Process.Signal(sig)
}

// Kill SIGKILLs the process and waits for it to be gone.
func (p *Proc) Kill() {
	p.Signal(syscall.SIGKILL)
	_ = p.Wait(10 * time.Second)
}

// Wait waits up to d for the process to exit and returns how it exited
// (nil for status 0).
func (p *Proc) Wait(d time.Duration) error {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	select {
	case <-done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.waitErr
	case <-time.After(d):
		return fmt.Errorf("%s still running after %s", p.Name, d)
	}
}

// Exited tells whether the process has stopped.
func (p *Proc) Exited() bool {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// Logs is everything the process printed so far.
func (p *Proc) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// LogLines returns the JSON log lines whose msg is msg, decoded.
func (p *Proc) LogLines(msg string) []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(p.Logs()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil && m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// WaitReady polls http://Addr/path until it answers 200, up to d.
func (p *Proc) WaitReady(path string, d time.Duration) {
	p.t.Helper()
	if err := WaitHTTP("http://"+p.Addr+path, d); err != nil {
		p.t.Fatalf("cluster: %s not ready: %v\n%s", p.Name, err, tail(p.Logs(), 30))
	}
}

// WaitHTTP polls url until it answers 200, up to d.
func WaitHTTP(url string, d time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(d)
	var last error
	for time.Now().Before(deadline) {
		res, err := client.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", res.StatusCode)
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return errors.Join(errors.New("timed out"), last)
}

// FreeAddr returns a loopback address with a port nobody listens on.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("cluster: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// problems is every WARN and ERROR line the process logged.
func (p *Proc) problems() string {
	var b strings.Builder
	for _, line := range strings.Split(p.Logs(), "\n") {
		if strings.Contains(line, `"level":"WARN"`) || strings.Contains(line, `"level":"ERROR"`) {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
