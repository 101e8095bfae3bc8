package devstack

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/app"
	"github.com/sokohub/sokohub/internal/config"
	"github.com/sokohub/sokohub/internal/mpesa/simulator"
)

// Stack is a running dev stack.
type Stack struct {
	App       *app.App
	Simulator *simulator.Simulator
	// Gateway is the running Fiber app (tests walk its routes).
	Gateway *fiber.App
	URL     string
	stop    context.CancelFunc
	done    chan error
}

// Start runs everything in this process on ln (its address must match
// cfg.HTTPAddr's use in PublicURL and DarajaURL), migrating and seeding
// first.
func Start(ctx context.Context, cfg *config.Config, ln net.Listener, log *slog.Logger) (*Stack, error) {
	if cfg.MasterKey == nil {
		key, err := MasterKey(cfg.DataDir)
		if err != nil {
			return nil, fmt.Errorf("devstack: master key: %w", err)
		}
		cfg.MasterKey = key
	}
	a, err := app.New(ctx, cfg, log, true)
	if err != nil {
		return nil, err
	}
	if err := Seed(ctx, a); err != nil {
		a.Close()
		return nil, fmt.Errorf("devstack: seed: %w", err)
	}
	if err := bootstrapAdmin(ctx, a); err != nil {
		a.Close()
		return nil, fmt.Errorf("devstack: SOKOHUB_ADMIN_EMAIL: %w", err)
	}
	sim := simulator.New(simulator.Config{Delay: cfg.SimDelay, LateCallback: cfg.SimLateCallback, BasePath: "/daraja", Logger: log.With("component", "simulator")})
	ctx, stop := context.WithCancel(ctx)
	s := &Stack{App: a, Simulator: sim, URL: "http://" + ln.Addr().String(), stop: stop, done: make(chan error, 3)}
	gw := a.Gateway(sim.Handler())
	s.Gateway = gw
	go func() { s.done <- gw.Listener(ln) }()
	go func() { s.done <- a.RunWorker(ctx) }()
	go func() {
		<-ctx.Done()
		a.Health.Drain()
		// Requests under way get the grace period to finish.
		err := gw.ShutdownWithTimeout(cfg.ShutdownGrace)
		// A stack stopped right after it started can reach here before
		// Listener registered ln with the server, and Shutdown would then
		// leave it serving forever: closing ln ends Listener either way.
		_ = ln.Close()
		s.done <- err
	}()
	return s, nil
}

// Stop shuts the stack down: the gateway stops accepting and finishes its
// requests while the worker finishes or hands back its tasks, then the
// simulator stops, then the database and Redis close.
func (s *Stack) Stop() {
	s.stop()
	for range cap(s.done) {
		<-s.done
	}
	s.Simulator.Close()
	s.App.Close()
}

// Banner tells a newcomer where everything is.
func (s *Stack) Banner(w io.Writer) {
	fmt.Fprintf(w, `
SokoHub dev stack is up.

  Storefront      %[1]s/s/demo
  Dashboard       %[1]s/dashboard   (merchant login: %[2]s / %[3]s)
  API             %[1]s/api/v1   (merchant login: %[2]s / %[3]s)
  Console         %[1]s/admin   (%[4]s)
  Daraja sim      %[1]s/daraja/simulator
  Virtual phone   %[1]s/daraja/simulator/phone/254712345678
  Health          %[1]s/healthz

Buy something at the storefront with phone 0712 345 678 and watch the
prompt on the virtual phone. Test numbers: 254700000001 insufficient funds,
254700000002 cancels, 254700000003 wrong PIN, 254708374149 never answers.
Press Ctrl-C to stop.
`, s.URL, DemoEmail, DemoPassword, consoleLogin(s.App.Config.AdminEmail))
}

// consoleLogin says who logs into the console. Start has refused an
// admin email without its password, so an email here has both; the
// password is never printed.
func consoleLogin(adminEmail string) string {
	if adminEmail == "" {
		return "platform admin: set SOKOHUB_ADMIN_EMAIL and SOKOHUB_ADMIN_PASSWORD"
	}
	return "platform admin login: " + adminEmail + " / your SOKOHUB_ADMIN_PASSWORD"
}
