package config

import (
	"fmt"
	"net/netip"
	"strings"
)

// safaricomCallbackSources is the allow-list of Daraja callback addresses
// that circulates among integrators. It is not confirmed official, so by
// default a callback from elsewhere is only logged, never refused.
var safaricomCallbackSources = []string{
	"196.201.214.200", "196.201.214.206", "196.201.213.114", "196.201.214.207", "196.201.214.208", "196.201.213.44",
	"196.201.212.127", "196.201.212.138", "196.201.212.129", "196.201.212.136", "196.201.212.74", "196.201.212.69",
}

// CallbackSources says where Daraja callbacks are expected from.
type CallbackSources struct {
	// Allow is SOKOHUB_CALLBACK_ALLOWLIST (comma-separated IPs or CIDRs).
	// Production defaults to Safaricom's circulated list; dev to none
	// (nothing is checked).
	Allow []netip.Prefix
	// Enforce is SOKOHUB_CALLBACK_ENFORCE=true: refuse, rather than only
	// log, a callback from outside Allow (it is still stored, quarantined).
	Enforce bool
}

// Allowed tells whether a callback from addr is expected; with no list
// everything is.
func (s CallbackSources) Allowed(addr string) bool {
	if len(s.Allow) == 0 {
		return true
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	for _, p := range s.Allow {
		if p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}

func loadCallbackSources(mode Mode, getenv func(string) string) (CallbackSources, error) {
	var s CallbackSources
	list := getenv("SOKOHUB_CALLBACK_ALLOWLIST")
	if list == "" && mode == ModeProduction {
		list = strings.Join(safaricomCallbackSources, ",")
	}
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !strings.Contains(item, "/") {
			item += "/32"
			if strings.Contains(item, ":") {
				item = strings.TrimSuffix(item, "/32") + "/128"
			}
		}
		p, err := netip.ParsePrefix(item)
		if err != nil {
			return s, fmt.Errorf("SOKOHUB_CALLBACK_ALLOWLIST: %q is not an IP address or CIDR", item)
		}
		s.Allow = append(s.Allow, p.Masked())
	}
	switch v := getenv("SOKOHUB_CALLBACK_ENFORCE"); v {
	case "", "false":
	case "true":
		if len(s.Allow) == 0 {
			return s, fmt.Errorf("SOKOHUB_CALLBACK_ENFORCE=true needs SOKOHUB_CALLBACK_ALLOWLIST")
		}
		s.Enforce = true
	default:
		return s, fmt.Errorf("SOKOHUB_CALLBACK_ENFORCE must be true or false")
	}
	return s, nil
}
