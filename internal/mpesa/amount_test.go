package mpesa

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestShillings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		cents    int64
		currency string
		want     int64
		msg      string // expected error text; "" means success
	}{
		{"One", 100, "KES", 1, ""},
		{"Typical", 1_234_00, "KES", 1234, ""},
		{"Max", 250_000_00, "KES", 250_000, ""},
		{"Fraction", 10_50, "KES", 0, "M-Pesa takes whole shillings: KES 10.50 is not."},
		{"OneCent", 1, "KES", 0, "M-Pesa takes whole shillings: KES 0.01 is not."},
		{"Zero", 0, "KES", 0, "The smallest M-Pesa payment is KES 1: KES 0 is below it."},
		{"Negative", -500, "KES", 0, "The smallest M-Pesa payment is KES 1: KES -5 is below it."},
		{"AboveMax", 250_001_00, "KES", 0, "M-Pesa takes at most KES 250,000 in one payment: KES 250,001 is above it."},
		{"Huge", 9_000_000_000_00, "KES", 0, "M-Pesa takes at most KES 250,000 in one payment: KES 9,000,000,000 is above it."},
		{"Dollars", 100, "USD", 0, `M-Pesa takes Kenyan shillings (KES) only, not "USD".`},
		{"LowerCase", 100, "kes", 0, `M-Pesa takes Kenyan shillings (KES) only, not "kes".`},
		{"Empty", 100, "", 0, `M-Pesa takes Kenyan shillings (KES) only, not "".`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Shillings(tc.cents, tc.currency)
			if tc.msg == "" {
				require.NoError(t, err)
				require.Equal(t, tc.want, got)
				return
			}
			require.EqualError(t, err, tc.msg)
			require.ErrorIs(t, err, ErrInvalidAmount)
			var ae *AmountError
			require.True(t, errors.As(err, &ae))
			require.Zero(t, got)
		})
	}
}
