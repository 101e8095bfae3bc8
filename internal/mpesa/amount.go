package mpesa

import (
	"errors"
	"strconv"
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
		return 0, &AmountError{Reason: "M-Pesa takes whole shillings: " + formatKES(cents) + " is not."}
	}
	shillings := cents / 100
	if shillings < MinAmount {
		return 0, &AmountError{Reason: "The smallest M-Pesa payment is KES 1: " + formatKES(cents) + " is below it."}
	}
	if shillings > MaxAmount {
		return 0, &AmountError{Reason: "M-Pesa takes at most KES 250,000 in one payment: " + formatKES(cents) + " is above it."}
	}
	return shillings, nil
}

// formatKES renders cents as "KES 1,234.50" (or "KES 1,234" when whole),
// the way Kenyan receipts show money.
func formatKES(cents int64) string {
	sign := ""
	u := uint64(cents)
	if cents < 0 {
		sign = "-"
		u = uint64(-(cents + 1)) + 1 // safe for math.MinInt64
	}
	whole, frac := u/100, u%100
	digits := strconv.FormatUint(whole, 10)
	var out []byte
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, digits[i])
	}
	s := "KES " + sign + string(out)
	if frac != 0 {
		s += "." + strconv.FormatUint(frac/10, 10) + strconv.FormatUint(frac%10, 10)
	}
	return s
}
