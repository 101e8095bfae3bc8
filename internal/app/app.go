// Package app wires SokoHub's parts together from a Config: the database,
// Redis and the queue, the services, the gateway and the worker. main, the
// dev stack and the end-to-end tests all build the process through it.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/admin"
	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/auth/authweb"
	"github.com/sokohub/sokohub/internal/config"
	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/gateway"
	"github.com/sokohub/sokohub/internal/health"
	"github.com/sokohub/sokohub/internal/idempotency"
	"github.com/sokohub/sokohub/internal/media"
	"github.com/sokohub/sokohub/internal/mpesa"
	"github.com/sokohub/sokohub/internal/notify"
	"github.com/sokohub/sokohub/internal/observability"
	"github.com/sokohub/sokohub/internal/payments"
	"github.com/sokohub/sokohub/internal/queue"
	"github.com/sokohub/sokohub/internal/ratelimit"
	"github.com/sokohub/sokohub/internal/secrets"
	"github.com/sokohub/sokohub/internal/tokens"
	"github.com/sokohub/sokohub/internal/webhooks"
	"github.com/sokohub/sokohub/tenants/checkout"
	"github.com/sokohub/sokohub/tenants/dashboard"
	"github.com/sokohub/sokohub/tenants/storefront"
	"github.com/sokohub/sokohub/tenants/stores"
)

// App is one process's set of parts.
type App struct {
	Config    *config.Config
	Log       *slog.Logger
	DB        *bun.DB
	Redis     *queue.Redis
	Queue     *queue.Client
	Names     queue.Names
	Auth      *auth.Service
	Vault     *stores.Vault
	Payments  *payments.Service
	Checkout  *checkout.Service
	Endpoints *webhooks.Endpoints
	Relay     *webhooks.Relay
	Deliverer *webhooks.Deliverer
	Notify    *notify.Service
	// Media keeps uploaded images (SOKOHUB_MEDIA_STORE: on disk or in
	// an S3 bucket).
	Media media.Store
	// Daraja is the M-Pesa client (the dashboard's "Test connection").
	Daraja *mpesa.Client
	// Policy is the access policy; Web the sessions and login pages;
	// Console the admin pages (access.go).
	Policy        *policy.Enforcer
	Web           *authweb.Web
	Console       *admin.Console
	policyWatcher *policy.Watcher
	// Health answers /healthz and /readyz; Metrics is the process's
	// Prometheus registry, with the gateway's HTTP and the worker's task
	// metrics on it.
	Health      *health.Checker
	Metrics     *observability.Registry
	httpMetrics *observability.HTTP
	taskMetrics *observability.Tasks
	// Limiter is the Redis token buckets every limit shares.
	Limiter *ratelimit.Limiter
}

// New connects to the database and Redis, migrates when migrate is set,
// and builds the services.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger, migrate bool) (*App, error) {
	if cfg.MasterKey == nil {
		return nil, errors.New("app: no master key (SOKOHUB_MASTER_KEY)")
	}
	keys, err := secrets.NewKeyring(cfg.MasterKey, cfg.OldMasterKeys...)
	if err != nil {
		return nil, fmt.Errorf("SOKOHUB_MASTER_KEY: %w", err)
	}
	d, err := db.OpenPool(cfg.DatabaseURL, cfg.DBPool)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, DB: d, Names: queue.Names{Namespace: cfg.RedisNamespace}}
	if a.Media, err = openMedia(cfg); err != nil {
		a.Close()
		return nil, err
	}
	if migrate {
		if err := a.migrate(ctx); err != nil {
			a.Close()
			return nil, err
		}
	}
	if a.Redis, err = queue.Connect(ctx, queue.RedisOptions{URL: cfg.RedisURL, ClusterAddrs: cfg.RedisClusterAddrs}); err != nil {
		a.Close()
		return nil, err
	}
	if a.Health, err = health.New(a.DB, a.Redis.Client, log); err != nil {
		a.Close()
		return nil, err
	}
	a.Metrics = observability.NewRegistry()
	a.httpMetrics = a.Metrics.NewHTTP(gateway.RouteLabel)
	a.taskMetrics = a.Metrics.NewTasks(log)
	a.Queue = queue.NewClient(a.Redis.Client, a.Names)
	a.build(keys)
	if err := a.buildAccess(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) migrate(ctx context.Context) error {
	m, err := db.NewMigrator(a.DB)
	if err != nil {
		return err
	}
	return m.Up(ctx)
}

func (a *App) build(keys *secrets.Keyring) {
	cfg := a.Config
	derive := tokens.NewDeriver(cfg.MasterKey)
	a.Auth = auth.NewService(a.DB)
	a.Vault = stores.NewVault(keys)
	daraja := mpesa.NewClient(mpesa.Options{BaseURL: cfg.DarajaURL, HTTPClient: &http.Client{Timeout: 15 * time.Second},
		Tokens: mpesa.NewRedisTokenCache(a.Redis.Client, cfg.RedisNamespace+":")})
	a.Daraja = daraja
	limiter := ratelimit.New(a.Redis.Client, cfg.RedisNamespace+":")
	a.Limiter = limiter
	a.Payments = payments.NewService(payments.Config{DB: a.DB, Daraja: daraja, Vault: a.Vault, Queue: a.Queue,
		PublicURL: cfg.PublicURL, Tokens: derive, QueryDelay: cfg.QueryDelay, Logger: a.Log,
		Limiter: limiter, StoreLimits: cfg.StoreDarajaLimits})
	a.Checkout = checkout.NewService(a.DB, a.Payments, derive,
		checkout.PromptLimit{Limiter: limiter, Limits: cfg.PhonePromptLimits},
		checkout.NewAdmission(cfg.CheckoutConcurrency, cfg.CheckoutStoreConcurrency), a.Log)
	production := cfg.Mode == config.ModeProduction
	a.Endpoints = webhooks.NewEndpoints(keys, production)
	sms, email := notifyProviders(cfg.Notify, a.Log)
	a.Notify = notify.NewService(notify.Config{DB: a.DB, SMS: sms, Email: email, PublicURL: cfg.PublicURL, Tokens: derive,
		Queue: a.Queue, Log: a.Log})
	a.Relay = webhooks.NewRelay(a.DB, a.Queue, a.Log, a.Notify.Fanout)
	sender := webhooks.NewSender(webhooks.SenderOptions{Policy: webhooks.EgressPolicy{AllowPrivate: !production},
		RequireHTTPS: production})
	a.Deliverer = webhooks.NewDeliverer(webhooks.DelivererConfig{DB: a.DB, Endpoints: a.Endpoints, Sender: sender,
		Queue: a.Queue, Log: a.Log,
		Limiter: webhooks.NewLimiter(a.Redis.Client, cfg.RedisNamespace+":webhook-slots:", webhooks.DefaultConcurrency, time.Minute)})
}

// Gateway builds the HTTP app; sim, when set, is mounted under /daraja.
func (a *App) Gateway(sim http.Handler) *fiber.App {
	idem := idempotency.NewStore(a.DB)
	shop := storefront.New(storefront.Deps{DB: a.DB, Checkout: a.Checkout, Tokens: tokens.NewDeriver(a.Config.MasterKey),
		Media: a.Media, Idempotency: idem, Domain: a.Config.StorefrontDomain, Logger: a.Log})
	return gateway.New(gateway.Deps{DB: a.DB, Auth: a.Auth, Vault: a.Vault, Endpoints: a.Endpoints, Checkout: a.Checkout,
		Payments: a.Payments, Notify: a.Notify, Deliverer: a.Deliverer, Logger: a.Log, Simulator: sim, Idempotency: idem,
		CallbackSources: a.Config.Callbacks, Limiter: a.Limiter, ClientLimits: a.Config.ClientLimits, Web: a.Web, Policy: a.Policy, Console: a.Console, Daraja: a.Daraja,
		Health: a.Health, Metrics: a.httpMetrics.Middleware(), MetricsHandler: a.Metrics.Handler(), TrustedProxies: a.Config.TrustedProxies,
		Pages: shop, HostRewrite: shop.ByHost,
		Dashboard: dashboard.New(dashboard.Deps{DB: a.DB, Auth: a.Auth, Web: a.Web, Policy: a.Policy, Vault: a.Vault, Daraja: a.Daraja,
			Endpoints: a.Endpoints, Deliverer: a.Deliverer, Payments: a.Payments, Media: a.Media, PublicURL: a.Config.PublicURL,
			StorefrontDomain: a.Config.StorefrontDomain, Logger: a.Log})})
}

// Close releases the database and Redis.
func (a *App) Close() {
	if a.policyWatcher != nil {
		a.policyWatcher.Close()
	}
	if a.Redis != nil {
		_ = a.Redis.Close()
	}
	_ = a.DB.Close()
}
