// Package money formats amounts held as int64 minor units. Money is never a
// float anywhere in SokoHub.
package money

import (
	"strconv"
	"strings"
)

// Format renders cents of currency the way Kenyan receipts show money:
// "KES 1,500", or "KES 1,500.50" when there are cents.
func Format(cents int64, currency string) string {
	sign := ""
	u := uint64(cents)
	if cents < 0 {
		sign = "-"
		u = uint64(-(cents + 1)) + 1 // safe for math.MinInt64
	}
	whole := strconv.FormatUint(u/100, 10)
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	s := currency + " " + sign + b.String()
	if frac := u % 100; frac != 0 {
		s += "." + strconv.FormatUint(frac/10, 10) + strconv.FormatUint(frac%10, 10)
	}
	return s
}
