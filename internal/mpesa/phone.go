package mpesa

import (
	"errors"
	"strings"
	"unicode"
)

// ErrInvalidPhone is the customer-facing refusal of a phone number that
// cannot receive an M-Pesa prompt. Its text is shown to shoppers as is.
var ErrInvalidPhone = errors.New("Enter a Safaricom number like 0712 345 678.") //nolint:staticcheck // customer-facing sentence

// PhoneError says why a phone number was refused. Error() is a sentence
// the customer can act on; errors.Is(err, ErrInvalidPhone) is true.
type PhoneError struct {
	// Reason is the short, customer-readable cause ("That number is too short.").
	Reason string
}

// Error returns the reason followed by the example format.
func (e *PhoneError) Error() string {
	if e.Reason == "" {
		return ErrInvalidPhone.Error()
	}
	return e.Reason + " " + ErrInvalidPhone.Error()
}

// Is makes errors.Is(err, ErrInvalidPhone) true.
func (e *PhoneError) Is(target error) bool { return target == ErrInvalidPhone }

// NormalizePhone turns what a shopper typed into the 12-digit MSISDN Daraja
// wants ("2547XXXXXXXX" or "2541XXXXXXXX"). It accepts the national form
// (0712 345 678, 0112345678), the international form with or without "+"
// (+254712345678, 254112345678), also with the trunk 0 kept or 00 before
// it (+254 (0)712 345 678, 00254712345678), and the bare nine digits
// (712345678), with spaces, dashes, dots and parentheses anywhere. Everything else is refused
// locally, so a typo never costs a round trip to Daraja.
func NormalizePhone(in string) (string, error) {
	var b strings.Builder
	plus := false
	for _, r := range in {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == '.' || r == '(' || r == ')' || unicode.IsSpace(r):
			// Separators people type or paste; they carry no meaning.
		case r == '+' && !plus && b.Len() == 0:
			plus = true
		default:
			return "", &PhoneError{Reason: "A phone number has digits only."}
		}
	}
	d := b.String()
	// The international form is also written with the 00 dialled from
	// abroad (00254712345678) or with the national trunk 0 kept
	// (+254 (0)712 345 678): both are the same number.
	if rest, ok := strings.CutPrefix(d, "00254"); ok && !plus {
		d, plus = "254"+rest, true
	}
	if rest, ok := strings.CutPrefix(d, "2540"); ok && len(d) == 13 {
		d = "254" + rest
	}
	switch {
	case d == "":
		return "", &PhoneError{Reason: "Please enter your phone number."}
	case plus && !strings.HasPrefix(d, "254"):
		return "", &PhoneError{Reason: "Only Kenyan (+254) numbers can pay with M-Pesa."}
	case len(d) == 12 && strings.HasPrefix(d, "254"):
		// Already international.
	case !plus && len(d) == 10 && d[0] == '0':
		d = "254" + d[1:]
	case !plus && len(d) == 9:
		d = "254" + d
	case len(d) < 9 || (len(d) < 12 && strings.HasPrefix(d, "254")):
		return "", &PhoneError{Reason: "That number is too short."}
	default:
		return "", &PhoneError{Reason: "That number is too long."}
	}
	if d[3] != '7' && d[3] != '1' {
		return "", &PhoneError{Reason: "That is not a mobile number."}
	}
	return d, nil
}

// isMSISDN reports whether s is already a normalized 12-digit number.
func isMSISDN(s string) bool {
	if len(s) != 12 || !strings.HasPrefix(s, "254") || (s[3] != '7' && s[3] != '1') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MaskPhone hides the middle digits of a phone number for logs and
// dashboards: "254712345678" becomes "254712***678". Short or odd input is
// masked more, never less.
func MaskPhone(msisdn string) string {
	n := len(msisdn)
	switch {
	case n >= 10:
		return msisdn[:6] + "***" + msisdn[n-3:]
	case n > 4:
		return "***" + msisdn[n-3:]
	default:
		return "***"
	}
}
