package ratelimit

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseLimits reads limits written as "N/window" joined by commas, such as
// "3/2m,10/1h": each is Per(N, window), with window in time.ParseDuration
// syntax.
func ParseLimits(s string) ([]Limit, error) {
	var out []Limit
	for part := range strings.SplitSeq(s, ",") {
		n, window, ok := strings.Cut(strings.TrimSpace(part), "/")
		count, err := strconv.Atoi(n)
		if !ok || err != nil || count < 1 {
			return nil, fmt.Errorf("ratelimit: %q is not N/window (like 3/2m)", part)
		}
		d, err := time.ParseDuration(window)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("ratelimit: %q: the window must be a positive duration (like 2m)", part)
		}
		out = append(out, Per(count, d))
	}
	return out, nil
}
