package mpesa

import (
	"errors"
	"fmt"
)

// ErrInvalidRequest marks a push or query that the client refused to send
// because its input is wrong. Nothing reached Daraja; retrying the same
// input fails the same way.
var ErrInvalidRequest = errors.New("mpesa: invalid request")

// ErrConfig marks a problem with the merchant's M-Pesa set-up (shortcode,
// passkey, consumer key or secret, till/paybill type). Retrying does not
// help until someone fixes the credentials. Test with errors.Is; the
// concrete type is *ConfigError.
var ErrConfig = errors.New("mpesa: payment configuration error")

// ConfigError explains a configuration problem to the merchant. It never
// holds a secret: only the name of the faulty field, Daraja's code and
// Daraja's message.
type ConfigError struct {
	// Field is the credential field at fault, when known ("Shortcode").
	Field string
	// HTTPStatus and Code are Daraja's answer, when the problem came from Daraja.
	HTTPStatus int
	Code       string
	// Reason is a merchant-readable sentence.
	Reason string
}

// Error returns the merchant-readable reason with Daraja's code, if any.
func (e *ConfigError) Error() string {
	msg := "mpesa: configuration: " + e.Reason
	if e.Code != "" || e.HTTPStatus != 0 {
		msg += fmt.Sprintf(" (HTTP %d %s)", e.HTTPStatus, e.Code)
	}
	return msg
}

// Is makes errors.Is(err, ErrConfig) true for every *ConfigError.
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

// APIError is a Daraja answer on the OAuth endpoint that is neither a token
// nor a configuration problem: an outage, a throttle or a body we cannot
// read. The request may be retried later.
type APIError struct {
	Op         string // "oauth"
	HTTPStatus int
	Code       string // Daraja errorCode, when present
	Message    string // Daraja errorMessage or a description of the body
	Throttled  bool   // Daraja asked us to slow down (spike arrest, quota, HTTP 429)
}

// Error describes Daraja's answer; it never includes request secrets.
func (e *APIError) Error() string {
	return fmt.Sprintf("mpesa: %s: HTTP %d %s %s", e.Op, e.HTTPStatus, e.Code, e.Message)
}

// RequestError says which input the client refused to send and why.
// errors.Is(err, ErrInvalidRequest) holds, and Unwrap gives the rule's own
// error (a *PhoneError or *AmountError) when there is one.
type RequestError struct {
	Field  string // Daraja's field name: "Amount", "PhoneNumber", "CallBackURL"…
	Reason string
	Err    error
}

// Error names the field and the reason.
func (e *RequestError) Error() string {
	return "mpesa: invalid " + e.Field + ": " + e.Reason
}

// Is makes errors.Is(err, ErrInvalidRequest) true.
func (e *RequestError) Is(target error) bool { return target == ErrInvalidRequest }

// Unwrap returns the underlying rule error, if any.
func (e *RequestError) Unwrap() error { return e.Err }
