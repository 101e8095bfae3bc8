package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ModeFrom reads SOKOHUB_MODE, def when it is empty. The production roles
// (serve, worker) default to production; SOKOHUB_MODE=dev runs them with
// dev's rules (plain-HTTP public URL, webhooks to private addresses), for
// a local multi-process stack or the fault suite, never for real money.
func ModeFrom(getenv func(string) string, def Mode) (Mode, error) {
	switch m := Mode(strings.TrimSpace(getenv("SOKOHUB_MODE"))); m {
	case "":
		return def, nil
	case ModeDev, ModeProduction:
		return m, nil
	default:
		return "", fmt.Errorf("SOKOHUB_MODE must be %s or %s, not %q", ModeDev, ModeProduction, m)
	}
}

// Variables lists every environment variable the binary reads, sorted.
// It is found by loading the configuration in every mode with a getenv
// that records what it is asked, so the list cannot fall behind Load;
// deployment files are checked against it.
func Variables() []string {
	seen := map[string]bool{}
	record := func(k string) string { seen[k] = true; return "" }
	_, _ = ModeFrom(record, ModeProduction)
	for _, m := range []Mode{ModeDev, ModeProduction} {
		_, _ = Load(m, record)
	}
	return slices.Sorted(maps.Keys(seen))
}
