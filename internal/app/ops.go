package app

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
)

// Ops is the worker's own small HTTP app on SOKOHUB_OPS_ADDR: /healthz,
// /readyz and /metrics (queue, task and database metrics), for the
// orchestrator's probes and Prometheus. The gateway serves the same
// routes on its main port.
func (a *App) Ops() *fiber.App {
	app := fiber.New(fiber.Config{AppName: "sokohub-ops", DisableStartupMessage: true,
		ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 60 * time.Second})
	a.Health.Mount(app)
	app.Get("/metrics", adaptor.HTTPHandler(a.Metrics.Handler()))
	return app
}
