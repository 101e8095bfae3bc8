// Command sokohub is the whole platform in one binary: sokohub dev | serve |
// worker | migrate up|down|status | simulator | probe.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sokohub/sokohub/internal/app"
	"github.com/sokohub/sokohub/internal/config"
	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/devstack"
	"github.com/sokohub/sokohub/internal/loadtest"
	"github.com/sokohub/sokohub/internal/mpesa/simulator"
)

const usage = `usage: sokohub <command>

  dev                  gateway + worker + Daraja simulator + SQLite + embedded Redis
  serve                the gateway (production)
  worker               the background worker (production)
  migrate up|down|status
  simulator [--addr 127.0.0.1:8090] [--delay 2s] [--late-callback 90s] [--allow-any-callback-host]
                       the Daraja simulator alone
  probe URL            exit 0 when URL answers 2xx (container health checks:
                       the image has no curl)
  admin create-user --email EMAIL --role platform_admin [--password-stdin]
  secrets new-key | rotate-key [--dry-run]   master key rotation (see sokohub secrets)
  loadtest [--rate 300 --duration 30s --all ...]   the load harness (docs/benchmarks.md)

serve and worker stop on SIGTERM or SIGINT: the gateway fails /readyz, keeps
serving for SOKOHUB_DRAIN_DELAY, stops accepting and finishes its requests
within SOKOHUB_SHUTDOWN_GRACE; the worker finishes its tasks within the grace
and hands the rest back to the queue; then the database and Redis close.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	err := run(ctx, os.Args[1], os.Args[2:], log)
	if errors.Is(err, flag.ErrHelp) {
		return // -h or --help: the flags were printed, as asked
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sokohub:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cmd string, args []string, log *slog.Logger) error {
	switch cmd {
	case "dev":
		return dev(ctx, log)
	case "serve":
		return serve(ctx, log)
	case "worker":
		return worker(ctx, log)
	case "migrate":
		return migrate(ctx, args)
	case "simulator":
		return sim(ctx, args, log)
	case "probe":
		return probe(ctx, args)
	case "loadtest":
		return loadtest.Main(ctx, args, os.Stdout, log)
	case "admin":
		return adminCmd(ctx, args, os.Stdin, os.Stdout, log)
	case "secrets":
		return secretsCmd(ctx, args, os.Stdout, log)
	default:
		return fmt.Errorf("unknown command %q\n%s", cmd, usage)
	}
}

func dev(ctx context.Context, log *slog.Logger) error {
	cfg, err := config.Load(config.ModeDev, os.Getenv)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("SOKOHUB_HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	s, err := devstack.Start(ctx, cfg, ln, log)
	if err != nil {
		return err
	}
	s.Banner(os.Stdout)
	<-ctx.Done()
	log.Info("shutting down", "grace", cfg.ShutdownGrace.String())
	s.Stop()
	log.Info("stopped")
	return nil
}

func serve(ctx context.Context, log *slog.Logger) error {
	a, err := production(ctx, log)
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", a.Config.HTTPAddr)
	if err != nil {
		return fmt.Errorf("SOKOHUB_HTTP_ADDR %s: %w", a.Config.HTTPAddr, err)
	}
	gw := a.Gateway(nil)
	errc := make(chan error, 1)
	go func() { errc <- gw.Listener(ln) }()
	log.Info("gateway listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Fail readiness first and keep serving while the load balancer
	// notices; then stop accepting and let requests under way finish.
	log.Info("shutting down: draining", "drain_delay", a.Config.DrainDelay.String(), "grace", a.Config.ShutdownGrace.String())
	a.Health.Drain()
	time.Sleep(a.Config.DrainDelay)
	if err := gw.ShutdownWithTimeout(a.Config.ShutdownGrace); err != nil {
		return fmt.Errorf("gateway shutdown: %w", err)
	}
	log.Info("gateway stopped")
	return nil
}

func worker(ctx context.Context, log *slog.Logger) error {
	a, err := production(ctx, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if addr := a.Config.OpsAddr; addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("SOKOHUB_OPS_ADDR %s: %w", addr, err)
		}
		ops := a.Ops()
		go func() { _ = ops.Listener(ln) }()
		defer func() { _ = ops.ShutdownWithTimeout(5 * time.Second) }()
		log.Info("worker ops listening", "addr", ln.Addr().String())
	}
	go func() {
		<-ctx.Done()
		log.Info("shutting down: finishing tasks", "grace", a.Config.ShutdownGrace.String())
		a.Health.Drain()
	}()
	if err := a.RunWorker(ctx); err != nil {
		return err
	}
	log.Info("worker stopped")
	return nil
}

// production loads the configuration of serve and worker: production
// rules unless SOKOHUB_MODE=dev, and always a shared Redis, since the
// processes must see one queue.
func production(ctx context.Context, log *slog.Logger) (*app.App, error) {
	mode, err := config.ModeFrom(os.Getenv, config.ModeProduction)
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(mode, os.Getenv)
	if err != nil {
		return nil, err
	}
	if cfg.RedisURL == "" && len(cfg.RedisClusterAddrs) == 0 {
		return nil, fmt.Errorf("SOKOHUB_REDIS_URL is required: serve and worker processes share one Redis")
	}
	return app.New(ctx, cfg, log, false)
}

func migrate(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: sokohub migrate up|down|status")
	}
	url := os.Getenv("SOKOHUB_DATABASE_URL")
	if url == "" {
		cfg, err := config.Load(config.ModeDev, os.Getenv)
		if err != nil {
			return err
		}
		url = cfg.DatabaseURL
	}
	d, err := db.Open(url)
	if err != nil {
		return err
	}
	defer d.Close()
	m, err := db.NewMigrator(d)
	if err != nil {
		return err
	}
	switch args[0] {
	case "up":
		return m.Up(ctx)
	case "down":
		return m.Down(ctx)
	case "status":
		ms, err := m.Status(ctx)
		if err != nil {
			return err
		}
		for _, mg := range ms {
			state := "pending"
			if mg.IsApplied() {
				state = "applied"
			}
			fmt.Printf("%s  %s\n", state, mg.Name)
		}
		return nil
	default:
		return fmt.Errorf("usage: sokohub migrate up|down|status")
	}
}

func sim(ctx context.Context, args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("simulator", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8090", "listen address")
	// The environment gives the defaults; flags override it.
	defDelay, err := envDuration("SOKOHUB_SIM_DELAY", simulator.DefaultDelay)
	if err != nil {
		return err
	}
	defLate, err := envDuration("SOKOHUB_SIM_LATE_CALLBACK", simulator.DefaultLateCallback)
	if err != nil {
		return err
	}
	delay := fs.Duration("delay", defDelay, "how long the virtual customer takes to answer (SOKOHUB_SIM_DELAY)")
	late := fs.Duration("late-callback", defLate, "how late the callback of 254700000006 comes (SOKOHUB_SIM_LATE_CALLBACK)")
	anyHost := fs.Bool("allow-any-callback-host", false,
		"send callbacks to hosts that are not loopback (a compose network); never point it at hosts you do not run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *delay < 0 || *late <= 0 {
		return fmt.Errorf("--delay must not be negative and --late-callback must be positive")
	}
	s := simulator.New(simulator.Config{Delay: *delay, LateCallback: *late, Logger: log, AllowAnyCallbackHost: *anyHost})
	defer s.Close()
	srv := &http.Server{Addr: *addr, Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	fmt.Printf("Daraja simulator on http://%s (phone pages at /simulator/phone/{msisdn})\n", *addr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}

// envDuration reads the Go duration in the environment variable name, or def
// when it is unset.
func envDuration(name string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s must be a Go duration such as 2s", name)
	}
	return d, nil
}

// probe GETs args[0] and fails unless it answers 2xx within 3 s.
func probe(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: sokohub probe URL")
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, args[0], nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s answered %s", args[0], res.Status)
	}
	return nil
}
