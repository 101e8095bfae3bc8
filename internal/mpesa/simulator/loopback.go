package simulator

import (
	"cmp"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"syscall"
)

// checkLoopbackURL refuses a callback URL whose host is not loopback:
// 127.0.0.0/8, ::1 or localhost. Names are not resolved.
func checkLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("callback refused: %w", err)
	}
	if host := u.Hostname(); !isLoopbackHost(host) {
		return fmt.Errorf("callback refused: host %q is not loopback (127.0.0.0/8, ::1, localhost) and Config.AllowAnyCallbackHost is off", host)
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// callbackClient returns the client callbacks go through: a copy of the
// given one, or a default one whose dialer also refuses non-loopback
// addresses (in case "localhost" resolves elsewhere). Neither follows
// redirects: a redirect could lead off loopback, and Daraja makes one POST.
func callbackClient(given *http.Client, allowAny bool) *http.Client {
	var c http.Client
	if given != nil {
		c = *given
	} else {
		dialer := &net.Dialer{}
		if !allowAny {
			dialer.Control = func(_, address string, _ syscall.RawConn) error {
				host, _, err := net.SplitHostPort(address)
				if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
					return fmt.Errorf("callback refused: address %s is not loopback", address)
				}
				return nil
			}
		}
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = nil
		t.DialContext = dialer.DialContext
		c = http.Client{Transport: t}
	}
	c.Timeout = cmp.Or(c.Timeout, DefaultCallbackTimeout)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}
