package db

import (
	"context"
	"errors"
	"time"
)

// Retry runs fn until it succeeds, for up to within: what a worker learned
// outside the database (a message its provider took) is held on to through
// a short database outage rather than lost with the task. It waits 250 ms
// before the second try and twice as long before each next one (at most
// 4 s), and stops early when ctx ends; it returns fn's last error. fn must
// be safe to run again after a try whose answer was lost but whose effect
// was not (a conditional UPDATE is).
func Retry(ctx context.Context, within time.Duration, fn func(context.Context) error) error {
	deadline := time.Now().Add(within)
	for wait := 250 * time.Millisecond; ; wait = min(2*wait, 4*time.Second) {
		err := fn(ctx)
		if err == nil || time.Now().Add(wait).After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
	}
}
