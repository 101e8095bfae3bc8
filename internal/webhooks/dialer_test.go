package webhooks

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEgressPolicyCheck(t *testing.T) {
	t.Parallel()

	forbidden := []string{
		"127.0.0.1", "127.255.255.254", "::1",
		"10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
		"fc00::1", "fd12:3456::1",
		"169.254.169.254", "169.254.0.1", "fe80::1", "fe80::1%eth0",
		"0.0.0.0", "0.1.2.3", "::",
		"224.0.0.1", "239.255.255.250", "ff02::1", "ff05::2",
		"100.64.0.1", "100.127.255.254",
		"255.255.255.255", "240.0.0.1", "192.0.2.1", "198.18.0.1", "203.0.113.9",
		"2001:db8::1", "2001::1", "3fff::1", "fec0::1", "100::1", "64:ff9b:1::1",
		// IPv4 hiding inside IPv6.
		"::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1", "::ffff:100.64.0.1",
		"::127.0.0.1",        // IPv4-compatible (deprecated)
		"64:ff9b::7f00:1",    // NAT64 of 127.0.0.1
		"64:ff9b::a9fe:a9fe", // NAT64 of 169.254.169.254
		"2002:7f00:1::1",     // 6to4 of 127.0.0.1
		"2002:c0a8:101::1",   // 6to4 of 192.168.1.1
	}
	allowed := []string{
		"8.8.8.8", "1.1.1.1", "41.90.64.1", "196.201.214.200", "100.128.0.1", "172.32.0.1",
		"2606:4700:4700::1111", "2a00:1450:4001::200e",
		"::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
	}

	var strict EgressPolicy
	for _, s := range forbidden {
		err := strict.Check(netip.MustParseAddr(s))
		require.ErrorIs(t, err, ErrForbiddenAddress, s)
	}
	for _, s := range allowed {
		require.NoError(t, strict.Check(netip.MustParseAddr(s)), s)
	}
	require.ErrorIs(t, strict.Check(netip.Addr{}), ErrForbiddenAddress)

	t.Run("AllowPrivate", func(t *testing.T) {
		t.Parallel()
		dev := EgressPolicy{AllowPrivate: true}
		for _, s := range append(forbidden, allowed...) {
			require.NoError(t, dev.Check(netip.MustParseAddr(s)), s)
		}
	})

	t.Run("AllowList", func(t *testing.T) {
		t.Parallel()
		p := EgressPolicy{Allow: []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16"), netip.MustParsePrefix("fd00:1::/32")}}
		require.NoError(t, p.Check(netip.MustParseAddr("10.20.3.4")))
		require.NoError(t, p.Check(netip.MustParseAddr("::ffff:10.20.3.4")), "mapped form of an allowed address")
		require.NoError(t, p.Check(netip.MustParseAddr("fd00:1::5")))
		require.ErrorIs(t, p.Check(netip.MustParseAddr("10.21.0.1")), ErrForbiddenAddress)
		require.ErrorIs(t, p.Check(netip.MustParseAddr("169.254.169.254")), ErrForbiddenAddress)
	})
}

func TestEgressPolicyDialContext(t *testing.T) {
	t.Parallel()

	// A loopback listener stands in for an internal service.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	addr := ln.Addr().String()

	t.Run("RefusesLoopbackAtDial", func(t *testing.T) {
		t.Parallel()
		dial := EgressPolicy{}.DialContext(nil)
		_, err := dial(t.Context(), "tcp", addr)
		require.ErrorIs(t, err, ErrForbiddenAddress)
		var opErr *net.OpError
		require.ErrorAs(t, err, &opErr, "refused by the dialer, not by a pre-check")
	})

	t.Run("RefusesNameResolvingToLoopback", func(t *testing.T) {
		t.Parallel()
		_, port, err := net.SplitHostPort(addr)
		require.NoError(t, err)
		dial := EgressPolicy{}.DialContext(nil)
		_, err = dial(t.Context(), "tcp", net.JoinHostPort("localhost", port))
		require.ErrorIs(t, err, ErrForbiddenAddress)
	})

	t.Run("AllowListLetsThrough", func(t *testing.T) {
		t.Parallel()
		dial := EgressPolicy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}.DialContext(nil)
		c, err := dial(t.Context(), "tcp", addr)
		require.NoError(t, err)
		c.Close()
	})

	t.Run("RefusesNonTCP", func(t *testing.T) {
		t.Parallel()
		dial := EgressPolicy{AllowPrivate: true}.DialContext(nil)
		for _, network := range []string{"unix", "udp"} {
			_, err := dial(t.Context(), network, addr)
			require.ErrorIs(t, err, ErrForbiddenAddress, network)
		}
	})

	t.Run("KeepsCallerHookAndDialer", func(t *testing.T) {
		t.Parallel()
		hookErr := errors.New("caller hook")
		var seen string
		d := &net.Dialer{Control: func(network, address string, _ syscall.RawConn) error {
			seen = address
			return hookErr
		}}
		dial := EgressPolicy{AllowPrivate: true}.DialContext(d)
		_, err := dial(context.Background(), "tcp", addr)
		require.ErrorIs(t, err, hookErr)
		require.Equal(t, addr, seen)
		require.NotNil(t, d.Control)
		require.Nil(t, d.ControlContext, "the caller's dialer is not modified")

		// A refused address never reaches the caller's hook.
		seen = ""
		_, err = EgressPolicy{}.DialContext(d)(context.Background(), "tcp", addr)
		require.ErrorIs(t, err, ErrForbiddenAddress)
		require.Empty(t, seen)
	})
}
