package money

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFormat(t *testing.T) {
	t.Parallel()
	for cents, want := range map[int64]string{
		0: "KES 0", 100: "KES 1", 150000: "KES 1,500", 150050: "KES 1,500.50", 5: "KES 0.05",
		25000000: "KES 250,000", 100000000: "KES 1,000,000", -1050: "KES -10.50",
		math.MinInt64: "KES -92,233,720,368,547,758.08",
	} {
		require.Equal(t, want, Format(cents, "KES"), "cents %d", cents)
	}
}
