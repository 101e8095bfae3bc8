package webhooks

import "errors"

// Errors of the merchant's endpoint operations.
var (
	// ErrConcurrentChange reports that another request changed the endpoint
	// at the same moment; trying again is safe.
	ErrConcurrentChange = errors.New("webhooks: the endpoint changed at the same time; try again")
	// ErrNotPaused reports a resume of an endpoint that is active.
	ErrNotPaused = errors.New("webhooks: the endpoint is active; there is nothing to resume")
	// ErrEndpointPaused reports a replay to an endpoint that is paused or
	// disabled: resume it, and what it holds is sent.
	ErrEndpointPaused = errors.New("webhooks: the endpoint is paused or disabled; resume it first")
)
