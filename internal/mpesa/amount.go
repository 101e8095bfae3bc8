package mpesa

import (
	"errors"
	"strconv"

	"github.com/sokohub/sokohub/internal/money"
)

// MinAmount and MaxAmount bound one STK push, in whole shillings
// (Daraja refuses anything outside; the daily ceiling of 500,000 is the
// customer's and is not checked here).
const (
	MinAmount = 1
	MaxAmount = 250000
)

// ErrInvalidAmount marks an amount M-Pesa cannot take. The concrete error
// is *AmountError, whose text can be shown to the customer or merchant.
var ErrInvalidAmount = errors.New("mpesa: invalid amount")

// AmountError says why an amount cannot be paid with M-Pesa.
type AmountError struct {
	// Reason is a customer- and merchant-readable sentence.
	Reason string
}

// Error returns the reason as is, so it can be shown to people.
func (e *AmountError) Error() string { return e.Reason }

// Is makes errors.Is(err, ErrInvalidAmount) true.
func (e *AmountError) Is(target error) bool { return target == ErrInvalidAmount }

// Shillings converts a price in cents to the whole shillings an STK push
// carries. It refuses (never rounds) a fractional amount, because rounding
// would charge the customer a different sum from the one on the order.
func Shillings(cents int64, currency string) (int64, error) {
	if currency != "KES" {
		return 0, &AmountError{Reason: "M-Pesa takes Kenyan shillings (KES) only, not " + strconv.Quote(currency) + "."}
	}
	if cents%100 != 0 {
		return 0, &AmountError{Reason: "M-Pesa takes whole shillings: " + money.Format(cents, "KES") + " is not."}
	}
	shillings := cents / 100
	if shillings < MinAmount {
		return 0, &AmountError{Reason: "The smallest M-Pesa payment is KES 1: " + money.Format(cents, "KES") + " is below it."}
	}
	if shillings > MaxAmount {
		return 0, &AmountError{Reason: "M-Pesa takes at most KES 250,000 in one payment: " + money.Format(cents, "KES") + " is above it."}
	}
	return shillings, nil
}
