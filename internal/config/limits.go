package config

import (
	"fmt"
	"strings"

	"github.com/sokohub/sokohub/internal/ratelimit"
)

// Rate limits, written as "N/window" token buckets joined by commas: N
// calls at once, then N per window on average. "off" means no limit (load
// tests that reuse a few test numbers).
const (
	// DefaultPhonePromptLimits bound the M-Pesa prompts one phone
	// receives, across every store, so nobody can prompt-bomb a customer:
	// three back to back (the first prompt and two more after a missed
	// prompt or a wrong PIN), then one every 40 s; and ten back to back,
	// then one every 6 minutes, so about ten an hour at most however
	// they are spread.
	DefaultPhonePromptLimits = "3/2m,10/1h"
	// DefaultStoreDarajaLimits bound each store's Daraja calls, STK Push
	// and Query together: 10 at once, then 5 a second. Daraja answers
	// spike arrest (500.003.02) past an app's TPS, and one store's flash
	// sale must not hold every worker while other stores' customers wait
	// for their prompts. 10 at once covers a busy shop's checkout rush;
	// the rest waits in the queue and goes out at 5 a second.
	DefaultStoreDarajaLimits = "10/2s"
	// DefaultClientLimits bound what one client address may start without
	// an account: orders (each holds stock until it expires), signups and
	// callbacks from outside Daraja's address list. Generous, because
	// Kenyan mobile data puts many customers behind one carrier address.
	DefaultClientLimits = "60/1m,600/1h"
)

// limits reads the limits in variable name, def when it is empty.
func limits(getenv func(string) string, name, def string) ([]ratelimit.Limit, error) {
	v := strings.TrimSpace(or(getenv(name), def))
	if v == "off" {
		return nil, nil
	}
	l, err := ratelimit.ParseLimits(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return l, nil
}
