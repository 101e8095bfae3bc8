package mpesa

import (
	"context"
	"errors"
	"net/http"
)

// tokenFailure wraps a failure to get a token before an STK call: nothing
// was sent to the STK endpoint, so the outcome is known (not sent).
type tokenFailure struct{ err error }

// Error says no token could be had, and why.
func (t *tokenFailure) Error() string { return "mpesa: no access token: " + t.err.Error() }

// Unwrap returns the token error (*ConfigError, *APIError, transport).
func (t *tokenFailure) Unwrap() error { return t.err }

// answer returns the OAuth endpoint's HTTP status and error code, when
// Daraja answered at all.
func (t *tokenFailure) answer() (status int, code string) {
	var ae *APIError
	var ce *ConfigError
	switch {
	case errors.As(t.err, &ae):
		return ae.HTTPStatus, ae.Code
	case errors.As(t.err, &ce):
		return ce.HTTPStatus, ce.Code
	}
	return 0, ""
}

// postWithToken POSTs payload with a bearer token. When Daraja says the
// token is invalid (in any spelling) it replaces the token once and retries
// once: a token can die early because another mint for the same app
// invalidated it. A second refusal is returned to the caller as is.
//
// The error is a *tokenFailure when no token could be had, and a transport
// error when the STK endpoint gave no answer.
func (c *Client) postWithToken(ctx context.Context, cr Credentials, url string, payload any) (exchange, error) {
	tok, err := c.token(ctx, cr, "")
	if err != nil {
		return exchange{}, &tokenFailure{err}
	}
	ex, err := c.do(ctx, http.MethodPost, url, "Bearer "+tok, payload)
	if err != nil {
		return exchange{}, err
	}
	if a, _ := decodeAnswer(ex.body); !isInvalidToken(ex.status, a) {
		return ex, nil
	}
	tok, err = c.token(ctx, cr, tok)
	if err != nil {
		return exchange{}, &tokenFailure{err}
	}
	return c.do(ctx, http.MethodPost, url, "Bearer "+tok, payload)
}

// tokenOutcome maps a token failure to the push outcome it implies.
func tokenOutcome(err error) Outcome {
	var ae *APIError
	switch {
	case errors.Is(err, ErrConfig):
		return OutcomeConfigError
	case errors.As(err, &ae) && ae.Throttled:
		return OutcomeThrottled
	}
	return OutcomeTransient
}
