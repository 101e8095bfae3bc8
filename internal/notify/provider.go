package notify

import (
	"context"
	"errors"
	"log/slog"
)

// Provider sends messages of one channel (SMS or email).
type Provider interface {
	// Name is recorded on each message the provider sends.
	Name() string
	// Send delivers n (Recipient, Sender, Subject, Body) and returns the
	// provider's id for it. An error wrapping ErrPermanent means retrying
	// cannot help; any other error is retried.
	Send(ctx context.Context, n *Notification) (ref string, err error)
}

// ErrPermanent marks a send that failed for good: an invalid or
// blacklisted number, a refused sender id, a malformed message.
var ErrPermanent = errors.New("notify: permanent failure")

// LogProvider "sends" by writing a structured log line: the dev outbox.
type LogProvider struct{ Log *slog.Logger }

// Name is "log".
func (LogProvider) Name() string { return "log" }

// Send logs n.
func (p LogProvider) Send(ctx context.Context, n *Notification) (string, error) {
	p.Log.InfoContext(ctx, "notification", "store_id", n.StoreID, "channel", n.Channel, "kind", n.Kind,
		"recipient", n.Recipient, "sender", n.Sender, "subject", n.Subject, "body", n.Body)
	return "log:" + n.ID, nil
}
