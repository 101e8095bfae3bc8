package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// ErrForbiddenAddress reports a connection refused by an [EgressPolicy]:
// the webhook URL resolved to an address inside our network (loopback,
// private, link-local such as the cloud metadata service, and so on).
var ErrForbiddenAddress = errors.New("webhooks: destination address is not allowed")

// EgressPolicy decides which IP addresses seller webhooks may connect to.
// Sellers choose the URLs, so without it a webhook is a request forgery
// (SSRF) into our own network. The check runs at dial time on the address
// actually being connected to, because DNS can change after a URL is saved
// and a name can resolve to several addresses.
type EgressPolicy struct {
	// AllowPrivate turns the check off entirely, for development where
	// receivers run on localhost or a private network.
	AllowPrivate bool
	// Allow lists prefixes an operator has vouched for; addresses in them
	// are allowed even if they are private (an internal receiver in staging).
	Allow []netip.Prefix
}

// Check returns an error wrapping ErrForbiddenAddress unless ip is a global
// unicast address, AllowPrivate is set, or ip is in one of Allow. It refuses
// loopback, private (RFC 1918, fc00::/7), link-local (169.254.0.0/16 with
// the 169.254.169.254 metadata service, fe80::/10), unspecified, multicast,
// CGNAT (100.64.0.0/10), documentation, benchmarking and reserved ranges,
// and IPv6 forms that embed one of those IPv4 addresses (IPv4-mapped,
// NAT64, 6to4).
func (p EgressPolicy) Check(ip netip.Addr) error {
	if !ip.IsValid() {
		return fmt.Errorf("%w: invalid address", ErrForbiddenAddress)
	}
	if p.AllowPrivate {
		return nil
	}
	// A zone (fe80::1%eth0) makes Prefix.Contains always false, and the
	// mapped form ::ffff:127.0.0.1 reaches the same host as 127.0.0.1, so
	// judge the plain address.
	plain := ip.WithZone("")
	unmapped := plain.Unmap()
	for _, pfx := range p.Allow {
		if pfx.Contains(plain) || pfx.Contains(unmapped) {
			return nil
		}
	}
	if !isPublic(unmapped) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, ip)
	}
	return nil
}

// DialContext returns a dial function for [net/http.Transport] that refuses
// connections Check forbids. It hooks [net.Dialer.ControlContext], which runs
// after DNS resolution, for each address tried, just before connect, so the
// address checked is the address connected to. d is copied, not modified;
// its own Control or ControlContext hook still runs after the check. Only
// TCP is allowed, since webhooks are HTTP.
func (p EgressPolicy) DialContext(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	var dialer net.Dialer
	if d != nil {
		dialer = *d
	}
	next, nextPlain := dialer.ControlContext, dialer.Control
	dialer.Control = nil
	dialer.ControlContext = func(ctx context.Context, network, address string, c syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: unparsable address", ErrForbiddenAddress)
		}
		if err := p.Check(ap.Addr()); err != nil {
			return err
		}
		switch {
		case next != nil:
			return next(ctx, network, address, c)
		case nextPlain != nil:
			return nextPlain(network, address, c)
		}
		return nil
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		switch network {
		case "tcp", "tcp4", "tcp6":
		default:
			return nil, fmt.Errorf("%w: network %q", ErrForbiddenAddress, network)
		}
		return dialer.DialContext(ctx, network, addr)
	}
}

// Special-purpose ranges refused inside otherwise global space. IPv4 per the
// IANA special-purpose registry; IPv6 is allowed only within 2000::/3 (all
// global unicast today), minus the blocks below, with NAT64 handled apart.
var (
	deniedV4 = []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),       // "this network"; 0.0.0.0 reaches localhost
		netip.MustParsePrefix("10.0.0.0/8"),      // private
		netip.MustParsePrefix("100.64.0.0/10"),   // CGNAT, shared address space
		netip.MustParsePrefix("127.0.0.0/8"),     // loopback
		netip.MustParsePrefix("169.254.0.0/16"),  // link-local, cloud metadata 169.254.169.254
		netip.MustParsePrefix("172.16.0.0/12"),   // private
		netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
		netip.MustParsePrefix("192.0.2.0/24"),    // documentation
		netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay anycast (deprecated)
		netip.MustParsePrefix("192.168.0.0/16"),  // private
		netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
		netip.MustParsePrefix("198.51.100.0/24"), // documentation
		netip.MustParsePrefix("203.0.113.0/24"),  // documentation
		netip.MustParsePrefix("224.0.0.0/4"),     // multicast
		netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	}
	globalV6 = netip.MustParsePrefix("2000::/3")
	deniedV6 = []netip.Prefix{
		netip.MustParsePrefix("2001::/23"),     // IETF protocol assignments, Teredo
		netip.MustParsePrefix("2001:db8::/32"), // documentation
		netip.MustParsePrefix("3fff::/20"),     // documentation
	}
	// Prefixes whose addresses embed an IPv4 address that the network
	// translates or tunnels to: judge the embedded address instead.
	nat64     = netip.MustParsePrefix("64:ff9b::/96") // well-known NAT64 (DNS64 answers)
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// isPublic reports whether an unmapped address is globally reachable.
func isPublic(ip netip.Addr) bool {
	if ip.Is4() {
		for _, pfx := range deniedV4 {
			if pfx.Contains(ip) {
				return false
			}
		}
		return true
	}
	b := ip.As16()
	switch {
	case nat64.Contains(ip):
		return isPublic(netip.AddrFrom4([4]byte(b[12:16])))
	case sixToFour.Contains(ip):
		return isPublic(netip.AddrFrom4([4]byte(b[2:6])))
	case !globalV6.Contains(ip):
		// Loopback, unspecified, IPv4-compatible, ULA fc00::/7,
		// link-local fe80::/10, site-local, multicast ff00::/8, discard,
		// local-use NAT64 and anything not yet allocated.
		return false
	}
	for _, pfx := range deniedV6 {
		if pfx.Contains(ip) {
			return false
		}
	}
	return true
}
