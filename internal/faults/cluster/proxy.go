package cluster

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy spreads requests round-robin over the gateways, as the deployment's
// nginx does: a gateway that refuses the connection is skipped (nothing
// was sent to it, so trying the next is safe for any method), and a
// gateway that dies with the request in flight gives the client a 502.
type Proxy struct {
	URL      string
	mu       sync.Mutex
	backends []string
	next     atomic.Uint64
	// inFlight counts requests sent to each backend and not yet answered;
	// cut those a backend took and never answered.
	inFlight, cut map[string]int
}

// NewProxy starts a proxy with no backends yet.
func NewProxy(t testing.TB) *Proxy {
	p := &Proxy{inFlight: map[string]int{}, cut: map[string]int{}}
	srv := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetXForwarded() },
		Transport: p,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) {
			w.WriteHeader(http.StatusBadGateway)
		},
	})
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Add puts a gateway (host:port) behind the proxy.
func (p *Proxy) Add(addr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range p.backends {
		if b == addr {
			return
		}
	}
	p.backends = append(p.backends, addr)
}

// RoundTrip sends r to the next gateway that accepts the connection.
func (p *Proxy) RoundTrip(r *http.Request) (*http.Response, error) {
	p.mu.Lock()
	backends := append([]string(nil), p.backends...)
	p.mu.Unlock()
	if len(backends) == 0 {
		return nil, errors.New("proxy: no gateways")
	}
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = io.ReadAll(io.LimitReader(r.Body, 2<<20)); err != nil {
			return nil, err
		}
	}
	start := int(p.next.Add(1))
	var last error
	for i := range backends {
		out := r.Clone(r.Context())
		out.URL = &url.URL{Scheme: "http", Host: backends[(start+i)%len(backends)], Path: r.URL.Path, RawQuery: r.URL.RawQuery}
		out.Host = r.Host
		out.Body = io.NopCloser(bytes.NewReader(body))
		res, err := p.send(out)
		if err == nil {
			return res, nil
		}
		last = err
		if op := (*net.OpError)(nil); !errors.As(err, &op) || op.Op != "dial" {
			p.count(p.cut, out.URL.Host, 1)
			return nil, err // sent, and the gateway died: the client sees 502
		}
	}
	return nil, last
}

// send forwards r, counted in flight until its answer's headers come.
func (p *Proxy) send(r *http.Request) (*http.Response, error) {
	p.count(p.inFlight, r.URL.Host, 1)
	defer p.count(p.inFlight, r.URL.Host, -1)
	return http.DefaultTransport.RoundTrip(r)
}

func (p *Proxy) count(m map[string]int, addr string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m[addr] += n
}

// InFlight is how many requests gateway addr has and has not answered.
func (p *Proxy) InFlight(addr string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inFlight[addr]
}

// Cut is how many requests gateway addr took and never answered.
func (p *Proxy) Cut(addr string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cut[addr]
}
