package checkout

import (
	"context"
	"errors"
	"time"

	"github.com/sokohub/sokohub/internal/ratelimit"
)

// ErrTooManyPrompts refuses a checkout or retry that would prompt a phone
// more often than its PromptLimit allows; the error is a
// *TooManyPromptsError, which says how long to wait.
var ErrTooManyPrompts = errors.New("checkout: too many M-Pesa prompts were sent to this phone; wait a few minutes, then try again")

// PromptLimit bounds the STK prompts one phone receives, across every
// store, so nobody can prompt-bomb a customer (config.DefaultPhonePromptLimits
// says why the defaults are what they are). No Limiter or no Limits means
// no bound.
type PromptLimit struct {
	Limiter *ratelimit.Limiter
	Limits  []ratelimit.Limit
}

// TooManyPromptsError is ErrTooManyPrompts with the time until the phone
// may be prompted again.
type TooManyPromptsError struct{ Wait time.Duration }

func (e *TooManyPromptsError) Error() string { return ErrTooManyPrompts.Error() }

// Unwrap makes errors.Is(err, ErrTooManyPrompts) hold.
func (e *TooManyPromptsError) Unwrap() error { return ErrTooManyPrompts }

// RetryAfter is how long until the next prompt would be allowed.
func (e *TooManyPromptsError) RetryAfter() time.Duration { return e.Wait }

// takePrompt counts one prompt to phone, or refuses it. It runs last in
// the transaction that starts the attempt, so requests refused for any
// other reason count nothing; when Redis cannot answer, the prompt goes
// ahead (the limit must not stop sales) and the fault is logged.
func (s *Service) takePrompt(ctx context.Context, storeID, phone string) error {
	if s.prompts.Limiter == nil || len(s.prompts.Limits) == 0 {
		return nil
	}
	d, err := s.prompts.Limiter.Allow(ctx, "prompts:phone:"+phone, s.prompts.Limits...)
	if err != nil {
		s.log.WarnContext(ctx, "phone prompt limit unavailable; prompting anyway", "store_id", storeID, "err", err)
		return nil
	}
	if !d.Allowed {
		return &TooManyPromptsError{Wait: d.RetryAfter}
	}
	return nil
}
