package webhooks

import (
	"math/rand/v2"
	"time"
)

// Schedule is the wait before each retry (Svix's): after the immediate try,
// retries come 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h apart, the last
// about 27 h after the first try. Eight tries in all.
var Schedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour,
	5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// PauseAfter is how long an endpoint may fail without a single success
// before it is paused (and its merchant told).
const PauseAfter = 5 * 24 * time.Hour

// maxRetryAfter caps a receiver's Retry-After, so a typo of "31536000"
// cannot park an event for a year.
const maxRetryAfter = 24 * time.Hour

// RetryDelay is the wait before retry n (1-based) of a delivery, with ±10%
// jitter so a recovering receiver is not hit by a thundering herd. A
// receiver's Retry-After wins when it asks for longer (up to a day). It
// reports false when the schedule is exhausted.
func RetryDelay(n int, retryAfter time.Duration) (time.Duration, bool) {
	if n < 1 || n > len(Schedule) {
		return 0, false
	}
	d := Schedule[n-1]
	d += time.Duration((rand.Float64()*0.2 - 0.1) * float64(d))
	return max(d, min(retryAfter, maxRetryAfter)), true
}
