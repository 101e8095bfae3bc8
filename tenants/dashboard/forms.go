package dashboard

import (
	"strconv"
	"strings"

	"github.com/sokohub/sokohub/internal/input"
)

// parseShillings reads a price as merchants type it ("1500", "1,500",
// "KES 1,500", "1500.00") into cents. M-Pesa takes whole shillings, so
// cents other than .00 are refused rather than rounded.
func parseShillings(field, s string) (int64, error) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(strings.ToUpper(s)), "KES"))
	s = strings.ReplaceAll(strings.ReplaceAll(s, ",", ""), " ", "")
	s = strings.TrimSuffix(strings.TrimSuffix(s, ".00"), ".0")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > 250_000 {
		return 0, input.Invalid(field, "Enter the price in whole shillings, like 1500. M-Pesa takes KES 1 to 250,000.")
	}
	return n * 100, nil
}

// parseCount reads a whole number of items (stock).
func parseCount(field, s string) (int64, error) {
	n, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(s), ",", ""), 10, 64)
	if err != nil || n < 0 || n > 1_000_000 {
		return 0, input.Invalid(field, "Enter how many you have in stock, as a whole number like 10.")
	}
	return n, nil
}

// problems turns a validation error into a form's field messages; any
// other error is returned for the error page.
func problems(err error) (formError, error) {
	if ie, ok := input.As(err); ok {
		return formError{ie.Field: ie.Message}, nil
	}
	return nil, err
}
