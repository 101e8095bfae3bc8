package stacktest

import (
	"fmt"
	"testing"
)

// TestStopRightAfterStart: a stack stopped before its listener even began
// serving still stops (it once hung there forever). Each subtest's
// cleanup stops its stack at once.
func TestStopRightAfterStart(t *testing.T) {
	for i := range 5 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if s := Start(t, Options{}); s.URL == "" {
				t.Fatal("no URL")
			}
		})
	}
}
