// Command sokohub is the whole platform in one binary: sokohub dev | serve |
// worker | migrate up|down|status | simulator.
package main

import (
	"context"
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
	"github.com/sokohub/sokohub/internal/mpesa/simulator"
)

const usage = `usage: sokohub <command>

  dev                  gateway + worker + Daraja simulator + SQLite + embedded Redis
  serve                the gateway (production)
  worker               the background worker (production)
  migrate up|down|status
  simulator [--addr 127.0.0.1:8090] [--delay 2s]   the Daraja simulator alone
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := run(ctx, os.Args[1], os.Args[2:], log); err != nil {
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
	s.Stop()
	return nil
}

func serve(ctx context.Context, log *slog.Logger) error {
	a, err := production(ctx, log)
	if err != nil {
		return err
	}
	defer a.Close()
	gw := a.Gateway(nil)
	errc := make(chan error, 1)
	go func() { errc <- gw.Listen(a.Config.HTTPAddr) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return gw.ShutdownWithTimeout(20 * time.Second)
	}
}

func worker(ctx context.Context, log *slog.Logger) error {
	a, err := production(ctx, log)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.RunWorker(ctx, 20)
}

func production(ctx context.Context, log *slog.Logger) (*app.App, error) {
	cfg, err := config.Load(config.ModeProduction, os.Getenv)
	if err != nil {
		return nil, err
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
	delay := fs.Duration("delay", 2*time.Second, "how long the virtual customer takes to answer (SOKOHUB_SIM_DELAY)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if v := os.Getenv("SOKOHUB_SIM_DELAY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("SOKOHUB_SIM_DELAY must be a Go duration such as 2s")
		}
		*delay = d
	}
	s := simulator.New(simulator.Config{Delay: *delay, Logger: log})
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
