package loadtest

import (
	"bufio"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/app"
	"github.com/sokohub/sokohub/internal/config"
	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/devstack"
	"github.com/sokohub/sokohub/internal/mpesa/simulator"
	"github.com/sokohub/sokohub/internal/queue"
	"github.com/sokohub/sokohub/internal/secrets"
)

// target is the stack under load, however it was started.
type target struct {
	URL string
	// DB is the stack's database, opened by the harness to seed stores,
	// record committed events and read back what happened.
	DB   *bun.DB
	Keys *secrets.Keyring
	// PIDs are the processes holding the gateway and the worker; ours
	// when the stack runs in-process (its RSS then includes the harness).
	PIDs []int
	// Pprof serves net/http/pprof of each stack process by role (empty
	// in-process: the harness profiles itself instead).
	Pprof map[string]string
	// RedisURL and Namespace say where the stack's queues live ("" for an
	// embedded Redis).
	RedisURL, Namespace string
	// DatabaseURL is the stack's database.
	DatabaseURL string
	// Ledger returns every transaction the simulator saw.
	Ledger  func(ctx context.Context) ([]simulator.Transaction, error)
	cleanup []func()
}

func (t *target) close() {
	for i := len(t.cleanup) - 1; i >= 0; i-- {
		t.cleanup[i]()
	}
}

// stackEnv is the configuration of a stack built for a load run: a fresh
// database and Redis namespace, a simulator whose customer answers at once,
// and no per-phone prompt limit (the mix reuses the few test numbers).
func stackEnv(o Options, dataDir, dbURL, ns, masterKey string) map[string]string {
	return map[string]string{
		"SOKOHUB_DATA_DIR":            dataDir,
		"SOKOHUB_DATABASE_URL":        dbURL,
		"SOKOHUB_REDIS_URL":           o.RedisURL,
		"SOKOHUB_REDIS_NAMESPACE":     ns,
		"SOKOHUB_MASTER_KEY":          masterKey,
		"SOKOHUB_SIM_DELAY":           "0s",
		"SOKOHUB_PHONE_PROMPT_LIMITS": "off",
		"SOKOHUB_CLIENT_LIMITS":       "off",
		"SOKOHUB_STORE_DARAJA_LIMITS": o.StoreLimits,
	}
}

// startTarget starts the stack the options ask for: in this process, in a
// child process (the default for the CLI, so the stack's memory and
// profile are its own), or none when o.URL points at a running one.
func startTarget(ctx context.Context, o Options, log *slog.Logger) (*target, error) {
	t := &target{}
	ok := false
	defer func() {
		if !ok {
			t.close()
		}
	}()
	if o.URL != "" {
		if err := attach(ctx, t, o); err != nil {
			return nil, err
		}
		ok = true
		return t, nil
	}
	dir, err := os.MkdirTemp("", "sokohub-load-")
	if err != nil {
		return nil, err
	}
	t.cleanup = append(t.cleanup, func() { _ = os.RemoveAll(dir) })
	dbURL, drop, err := freshDatabase(ctx, o.DatabaseURL, dir)
	if err != nil {
		return nil, err
	}
	t.cleanup = append(t.cleanup, drop)
	t.DatabaseURL, t.RedisURL, t.Namespace = dbURL, o.RedisURL, "sokohub-load-"+randomHex(6)
	if o.RedisURL != "" {
		t.cleanup = append(t.cleanup, func() { queue.DeleteNamespace(o.RedisURL, t.Namespace) })
	}
	masterKey, err := secrets.GenerateMasterKey()
	if err != nil {
		return nil, err
	}
	env := stackEnv(o, dir, dbURL, t.Namespace, masterKey)
	switch {
	case o.InProcess:
		s, err := StartStack(ctx, env, log)
		if err != nil {
			return nil, err
		}
		t.cleanup = append(t.cleanup, s.Stop)
		t.URL, t.PIDs = s.URL, []int{os.Getpid()}
		t.Ledger = func(context.Context) ([]simulator.Transaction, error) { return s.Simulator.Transactions(), nil }
	case o.RedisURL != "" && o.DatabaseURL != "":
		// As deployed: the gateway and the worker in processes (and
		// database pools) of their own.
		if err := spawn(ctx, t, RoleGateway, env, o.StackLog); err != nil {
			return nil, err
		}
		u, _ := url.Parse(t.URL)
		env["SOKOHUB_HTTP_ADDR"] = u.Host
		if err := spawn(ctx, t, RoleWorker, env, o.StackLog); err != nil {
			return nil, err
		}
	default:
		// The embedded Redis lives in one process: all roles share it.
		if err := spawn(ctx, t, RoleAll, env, o.StackLog); err != nil {
			return nil, err
		}
	}
	if t.Ledger == nil {
		t.Ledger = httpLedger(t.URL)
	}
	if t.DB, err = db.Open(withAppName(dbURL)); err != nil {
		return nil, err
	}
	t.cleanup = append(t.cleanup, func() { _ = t.DB.Close() })
	if t.Keys, err = keyring(masterKey); err != nil {
		return nil, err
	}
	ok = true
	return t, nil
}

// attach uses a stack someone else started: its database and master key
// come from the environment, its simulator from its /daraja mount.
func attach(ctx context.Context, t *target, o Options) error {
	if err := loopbackURL(o.URL); err != nil {
		return err
	}
	key := os.Getenv("SOKOHUB_MASTER_KEY")
	if o.DatabaseURL == "" || key == "" {
		return errors.New("loadtest: --url needs SOKOHUB_DATABASE_URL and SOKOHUB_MASTER_KEY of that stack, to seed stores")
	}
	var err error
	if t.DB, err = db.Open(o.DatabaseURL); err != nil {
		return err
	}
	t.cleanup = append(t.cleanup, func() { _ = t.DB.Close() })
	if t.Keys, err = keyring(key); err != nil {
		return err
	}
	t.URL, t.DatabaseURL = strings.TrimRight(o.URL, "/"), o.DatabaseURL
	if o.PID != 0 {
		t.PIDs = []int{o.PID}
	}
	t.Ledger = httpLedger(t.URL)
	return waitHealthy(ctx, t.URL)
}

func keyring(masterKey string) (*secrets.Keyring, error) {
	k, err := secrets.ParseMasterKey(masterKey)
	if err != nil {
		return nil, err
	}
	return secrets.NewKeyring(k)
}

// StartStack runs gateway, worker and simulator in this process on a
// random loopback port, configured by env (the variables of
// config.Load).
func StartStack(ctx context.Context, env map[string]string, log *slog.Logger) (*devstack.Stack, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	env["SOKOHUB_HTTP_ADDR"] = ln.Addr().String()
	cfg, err := config.Load(config.ModeDev, func(k string) string { return env[k] })
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	s, err := devstack.Start(ctx, cfg, ln, log)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	return s, nil
}

// stackVars are the variables a child stack is started with.
var stackVars = []string{"SOKOHUB_DATA_DIR", "SOKOHUB_DATABASE_URL", "SOKOHUB_REDIS_URL", "SOKOHUB_REDIS_NAMESPACE",
	"SOKOHUB_MASTER_KEY", "SOKOHUB_SIM_DELAY", "SOKOHUB_PHONE_PROMPT_LIMITS", "SOKOHUB_STORE_DARAJA_LIMITS", "SOKOHUB_CLIENT_LIMITS",
	"SOKOHUB_HTTP_ADDR"}

// Roles of a child stack process.
const (
	// RoleAll is the one-process dev stack (devstack.Start).
	RoleAll = "all"
	// RoleGateway is the gateway with the simulator mounted under /daraja.
	RoleGateway = "gateway"
	// RoleWorker is the worker alone; SOKOHUB_HTTP_ADDR names the
	// gateway, whose URL goes into callback URLs.
	RoleWorker = "worker"
)

// spawn starts "sokohub loadtest stack <role>" as a child and waits for
// it to say where it listens. The child stops when we close its stdin or
// signal it.
func spawn(ctx context.Context, t *target, role string, env map[string]string, logPath string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, "loadtest", "stack", role)
	cmd.Env = os.Environ()
	for _, k := range stackVars {
		if v, ok := env[k]; ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = io.Discard
	if logPath != "" {
		f, err := os.Create(logPath + "." + role)
		if err != nil {
			return err
		}
		t.cleanup = append(t.cleanup, func() { _ = f.Close() })
		cmd.Stderr = f
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	t.PIDs = append(t.PIDs, cmd.Process.Pid)
	t.cleanup = append(t.cleanup, func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	ready := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 3 && f[0] == "READY" {
				ready <- f[1:]
			}
		}
	}()
	select {
	case f := <-ready:
		if role != RoleWorker {
			t.URL = f[0]
		}
		if t.Pprof == nil {
			t.Pprof = map[string]string{}
		}
		t.Pprof[role] = f[1]
	case <-time.After(5 * time.Minute):
		return fmt.Errorf("loadtest: the %s did not start within 5 minutes", role)
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// ServeStack is the child side of spawn ("sokohub loadtest stack
// <role>"): that role from the environment, plus pprof on another loopback
// port, until ctx ends or stdin closes (the harness is gone).
func ServeStack(ctx context.Context, role string, log *slog.Logger) error {
	env := map[string]string{}
	for _, k := range stackVars {
		env[k] = os.Getenv(k)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	var (
		base string
		stop func()
		err  error
	)
	switch role {
	case RoleAll:
		var s *devstack.Stack
		if s, err = StartStack(ctx, env, log); err == nil {
			base, stop = s.URL, s.Stop
		}
	case RoleGateway:
		base, stop, err = startGateway(ctx, env, log)
	case RoleWorker:
		stop, err = startWorker(ctx, env, log)
	default:
		err = fmt.Errorf("loadtest: unknown stack role %q", role)
	}
	if err != nil {
		return err
	}
	defer stop()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	fmt.Printf("READY %s http://%s\n", cmp.Or(base, "-"), ln.Addr())
	<-ctx.Done()
	return nil
}

// startGateway serves the gateway, with the simulator mounted under
// /daraja, on a random loopback port; it migrates the database first.
func startGateway(ctx context.Context, env map[string]string, log *slog.Logger) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	env["SOKOHUB_HTTP_ADDR"] = ln.Addr().String()
	a, err := newApp(ctx, env, log, true)
	if err != nil {
		_ = ln.Close()
		return "", nil, err
	}
	sim := simulator.New(simulator.Config{Delay: a.Config.SimDelay, BasePath: "/daraja", Logger: log.With("component", "simulator")})
	gw := a.Gateway(sim.Handler())
	go func() { _ = gw.Listener(ln) }()
	return "http://" + ln.Addr().String(), func() {
		_ = gw.ShutdownWithTimeout(10 * time.Second)
		sim.Close()
		a.Close()
	}, nil
}

// startWorker runs the worker alone.
func startWorker(ctx context.Context, env map[string]string, log *slog.Logger) (func(), error) {
	a, err := newApp(ctx, env, log, false)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := a.RunWorker(ctx); err != nil {
			log.Error("worker", "err", err)
		}
	}()
	return func() {
		cancel()
		<-done
		a.Close()
	}, nil
}

func newApp(ctx context.Context, env map[string]string, log *slog.Logger, migrate bool) (*app.App, error) {
	cfg, err := config.Load(config.ModeDev, func(k string) string { return env[k] })
	if err != nil {
		return nil, err
	}
	return app.New(ctx, cfg, log, migrate)
}

// freshDatabase creates an empty database: a new PostgreSQL database next
// to base, or a SQLite file in dir when base is empty. drop removes it.
func freshDatabase(ctx context.Context, base, dir string) (string, func(), error) {
	if base == "" {
		return "sqlite:" + filepath.Join(dir, "load.db"), func() {}, nil
	}
	if err := loopbackURL(base); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("loadtest: SOKOHUB_DATABASE_URL: %w", err)
	}
	admin, err := db.Open(base)
	if err != nil {
		return "", nil, err
	}
	name := "sokohub_load_" + randomHex(6)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		_ = admin.Close()
		return "", nil, fmt.Errorf("loadtest: create database: %w", err)
	}
	u.Path = "/" + name
	return u.String(), func() {
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		_ = admin.Close()
	}, nil
}

// loopbackURL refuses any URL whose host is not a loopback address: load
// is only ever sent to this machine.
func loopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("loadtest: %q is not a URL", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("loadtest: %s is not a loopback address; load runs only against this machine", host)
	}
	return nil
}

func waitHealthy(ctx context.Context, base string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("loadtest: %s/healthz does not answer", base)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// harnessAppName marks the harness's own database connections, so their
// work is not counted as the stack's.
const harnessAppName = "sokohub-loadtest"

func withAppName(dbURL string) string {
	if !strings.HasPrefix(dbURL, "postgres") {
		return dbURL
	}
	sep := "?"
	if strings.Contains(dbURL, "?") {
		sep = "&"
	}
	return dbURL + sep + "application_name=" + harnessAppName
}

// backends returns a function listing the PostgreSQL backends serving the
// stack's scratch database on this machine (not the harness's own), or nil
// on SQLite or a remote server.
func (t *target) backends(ctx context.Context) func() []int {
	if !db.IsPostgres(t.DB) || loopbackURL(t.DatabaseURL) != nil {
		return nil
	}
	return func() []int {
		var pids []int
		err := t.DB.NewSelect().TableExpr("pg_stat_activity").Column("pid").
			Where("datname = current_database()").Where("application_name <> ?", harnessAppName).
			Where("pid <> pg_backend_pid()").Scan(ctx, &pids)
		if err != nil {
			return nil
		}
		return pids
	}
}

// tableWrites returns a function reading how many rows PostgreSQL has
// inserted, updated and deleted in each of the stack's tables, or nil on
// SQLite. The counters are PostgreSQL's cumulative statistics, flushed by
// each backend within a second or so of its transactions.
func (t *target) tableWrites(ctx context.Context) func() map[string]int64 {
	if !db.IsPostgres(t.DB) {
		return nil
	}
	return func() map[string]int64 {
		var rows []struct {
			Table string `bun:"relname"`
			N     int64  `bun:"n"`
		}
		err := t.DB.NewSelect().TableExpr("pg_stat_user_tables").ColumnExpr("relname").
			ColumnExpr("n_tup_ins + n_tup_upd + n_tup_del AS n").Scan(ctx, &rows)
		if err != nil {
			return nil
		}
		out := make(map[string]int64, len(rows))
		for _, r := range rows {
			out[r.Table] = r.N
		}
		return out
	}
}
