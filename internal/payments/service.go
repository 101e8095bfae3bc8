package payments

import (
	"context"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/mpesa"
	"github.com/sokohub/sokohub/internal/queue"
	"github.com/sokohub/sokohub/internal/ratelimit"
	"github.com/sokohub/sokohub/internal/tokens"
	"github.com/sokohub/sokohub/tenants/stores"
)

// Enqueuer schedules background work; *queue.Client is the real one.
type Enqueuer interface {
	Enqueue(ctx context.Context, j queue.Job) error
}

// Config wires a Service.
type Config struct {
	DB        *bun.DB
	Daraja    *mpesa.Client
	Vault     *stores.Vault
	Queue     Enqueuer
	PublicURL string         // base of callback URLs
	Tokens    tokens.Deriver // derives callback tokens
	// QueryDelay is how long after the prompt the first STK Query goes out.
	QueryDelay time.Duration
	Logger     *slog.Logger
	// Limiter and StoreLimits bound each store's Daraja calls (push and
	// query together); a call over them is deferred, never failed. No
	// Limiter or no StoreLimits: unbounded.
	Limiter     *ratelimit.Limiter
	StoreLimits []ratelimit.Limit
}

// Service runs payment attempts.
type Service struct {
	db         *bun.DB
	daraja     *mpesa.Client
	vault      *stores.Vault
	queue      Enqueuer
	publicURL  string
	tokens     tokens.Deriver
	queryDelay time.Duration
	log        *slog.Logger
	limiter    *ratelimit.Limiter
	limits     []ratelimit.Limit
}

// NewService returns a Service.
func NewService(c Config) *Service {
	return &Service{db: c.DB, daraja: c.Daraja, vault: c.Vault, queue: c.Queue, publicURL: c.PublicURL,
		tokens: c.Tokens, queryDelay: c.QueryDelay, log: c.Logger, limiter: c.Limiter, limits: c.StoreLimits}
}

// CallbackURL is where Daraja posts attempt id's result.
func (s *Service) CallbackURL(attemptID string) string {
	return s.publicURL + "/callbacks/stk/" + s.tokens.Token("callback", attemptID)
}

// Dispatch enqueues the STK Push of a committed attempt. When Redis is
// down the attempt stays queued and the sweeper sends it later.
func (s *Service) Dispatch(ctx context.Context, a *Attempt) {
	if err := s.queue.Enqueue(ctx, queue.Job{Type: queue.TypeSTKPush, ID: a.ID, StoreID: a.StoreID}); err != nil {
		s.log.ErrorContext(ctx, "enqueue stk push; the sweeper will retry", "attempt_id", a.ID, "store_id", a.StoreID, "err", err)
	}
}
