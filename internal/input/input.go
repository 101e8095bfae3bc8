// Package input is the one error type for "the caller sent something we
// refuse": every package returns it, and the gateway turns it into a 400
// with a message the person can act on.
package input

import "errors"

// Error is a field that fails validation, with a message for a person.
type Error struct{ Field, Message string }

func (e *Error) Error() string { return e.Message }

// Invalid returns an *Error for field.
func Invalid(field, message string) error { return &Error{Field: field, Message: message} }

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
