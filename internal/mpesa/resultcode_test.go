package mpesa

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code  string
		kind  ResultKind
		retry bool
	}{
		{"0", ResultSuccess, false},
		{"1", ResultFailed, true},
		{"2", ResultFailed, false},
		{"3", ResultFailed, false},
		{"4", ResultFailed, false},
		{"8", ResultFailed, false},
		{"17", ResultFailed, true},
		{"26", ResultFailed, true},
		{"1001", ResultFailed, true},
		{"1019", ResultFailed, true},
		{"1025", ResultFailed, true},
		{"9999", ResultFailed, true},
		{"1032", ResultFailed, true},
		{"1036", ResultFailed, true},
		{"1037", ResultTimedOut, true},
		{"2001", ResultFailed, true},
		{"2028", ResultConfigError, false},
		{"8006", ResultFailed, false},
		{"SFC_IC0003", ResultConfigError, false},
		{"4999", ResultPending, false},
		{"12345", ResultUnknown, false},
		{"", ResultUnknown, false},
		{"sfc_ic0003", ResultUnknown, false},
	} {
		t.Run("Code"+tc.code, func(t *testing.T) {
			t.Parallel()
			info := Classify(tc.code)
			require.Equal(t, tc.code, info.Code)
			require.Equal(t, tc.kind, info.Kind, "kind %s", info.Kind)
			require.Equal(t, tc.retry, info.Retryable)
			require.NotEmpty(t, info.CustomerReason)
			require.NotEmpty(t, info.MerchantReason)
			if tc.kind == ResultConfigError {
				require.Equal(t, customerConfigReason, info.CustomerReason, "customers see a neutral message")
				require.NotEqual(t, info.CustomerReason, info.MerchantReason)
			}
		})
	}

	t.Run("Specifics", func(t *testing.T) {
		t.Parallel()
		require.Equal(t, "You don't have enough money in M-Pesa for this payment.", Classify("1").CustomerReason)
		require.Equal(t, "You cancelled the payment.", Classify("1032").CustomerReason)
		require.Equal(t, ResultFailed, Classify(" 1032 ").Kind, "surrounding spaces ignored")
		require.Contains(t, Classify("2028").MerchantReason, "product assignment")
		require.Contains(t, Classify(`<b>"x"`).MerchantReason, `"<b>\"x\""`, "unknown code quoted")
	})

	t.Run("Terminal", func(t *testing.T) {
		t.Parallel()
		require.False(t, ResultUnknown.Terminal())
		require.False(t, ResultPending.Terminal())
		require.True(t, ResultTimedOut.Terminal())
		require.True(t, ResultSuccess.Terminal())
		require.Equal(t, "unknown", ResultKind(0).String(), "zero value is unknown")
	})
}
