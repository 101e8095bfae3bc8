package mpesa

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	sandboxShortcode = "174379"
	sandboxPasskey   = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
)

func TestTimestamp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   time.Time
		want string
	}{
		{"UTCEveningIsNextDayInNairobi", time.Date(2026, 12, 3, 21, 30, 0, 0, time.UTC), "20261204003000"},
		{"UTCMidday", time.Date(2019, 12, 19, 7, 21, 15, 0, time.UTC), "20191219102115"},
		{"YearRollover", time.Date(2025, 12, 31, 22, 0, 0, 0, time.UTC), "20260101010000"},
		{"OtherZoneSameInstant", time.Date(2026, 12, 3, 16, 30, 0, 0, time.FixedZone("EST", -5*3600)), "20261204003000"},
		{"SubSecondsDropped", time.Date(2026, 1, 2, 3, 4, 5, 999_999_999, time.UTC), "20260102060405"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, Timestamp(tc.in))
		})
	}
}

func TestPassword(t *testing.T) {
	t.Parallel()
	// Computed independently: printf '%s' 174379<passkey>20191219102115 | base64
	const want = "MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2RkNzFhNDY3Y2QyZTBjODkzMDU5YjEwZjc4ZTZiNzJhZGExZWQyYzkxOTIwMTkxMjE5MTAyMTE1"
	require.Equal(t, want, Password(sandboxShortcode, sandboxPasskey, "20191219102115"))
}

func TestAccountReference(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"INV-1042", "INV-1042"},
		{"Order #1042", "Order 1042"},
		{"  Mama's   Duka  ", "Mamas Duka"},
		{"Tab\tand\nnewline", "Tab and newl"},
		{"ABCDEFGHIJKLMNOP", "ABCDEFGHIJKL"},
		{"Soko Hub Ltd X", "Soko Hub Ltd"},
		{"Kahawa ya  ", "Kahawa ya"},
		{"abcdefghijk lmn", "abcdefghijk"}, // cut lands on a space: trimmed
		{"Café Ünïcode", "Caf ncode"},
		{"", "SokoHub"},
		{"!!!***", "SokoHub"},
		{"   ", "SokoHub"},
	} {
		require.Equal(t, tc.want, AccountReference(tc.in), "in %q", tc.in)
		require.LessOrEqual(t, len(AccountReference(tc.in)), 12)
	}
}

func TestTransactionDesc(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"Order 1042", "Order 1042"},
		{"Payment for order #1042", "Payment for o"},
		{"<script>", "script"},
		{"", "Payment"},
		{"🙂", "Payment"},
	} {
		require.Equal(t, tc.want, TransactionDesc(tc.in), "in %q", tc.in)
		require.LessOrEqual(t, len(TransactionDesc(tc.in)), 13)
	}
}
