package webhooks

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Sender defaults, from what the best webhook services do (Svix: 15 s).
const (
	sendTimeoutDefault = 15 * time.Second
	userAgentDefault   = "SokoHub-Webhooks/1.0"
	// responseBodyLimit is how much of a receiver's reply is kept for the
	// delivery log: enough to show an error page's gist, not a memory sink.
	responseBodyLimit = 4 << 10
	// responseDrainLimit bounds how much more is read, after the kept prefix, so the
	// connection can be reused; beyond it the connection is just closed.
	responseDrainLimit = 64 << 10
)

// SenderOptions configures a [Sender]. The zero value is usable in tests
// only: production sets RequireHTTPS and leaves Policy strict.
type SenderOptions struct {
	// Policy decides which addresses deliveries may connect to.
	Policy EgressPolicy
	// Timeout bounds a whole attempt: dial, TLS, request and reading the
	// response. Defaults to 15 seconds.
	Timeout time.Duration
	// RequireHTTPS refuses http:// URLs, so payloads and signatures never
	// cross the internet in clear text. Set it in production.
	RequireHTTPS bool
	// UserAgent names the platform to receivers. Defaults to
	// "SokoHub-Webhooks/1.0".
	UserAgent string
}

// Sender makes single signed delivery attempts. Retries, scheduling and the
// delivery log are the caller's job; Sender only reports what happened. It
// is safe for concurrent use and should be shared, to reuse connections.
type Sender struct {
	client       *http.Client
	requireHTTPS bool
	userAgent    string
}

// NewSender returns a Sender whose connections go through o.Policy. It never
// follows redirects (a 3xx is a failed attempt: following one would let a
// receiver point us at an address the seller's URL did not name) and ignores
// proxy environment variables (a proxy would be dialled instead of the
// receiver, bypassing the policy).
func NewSender(o SenderOptions) *Sender {
	timeout := cmp.Or(o.Timeout, sendTimeoutDefault)
	dialer := &net.Dialer{Timeout: min(timeout, 10*time.Second), KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		Proxy:               nil,
		DialContext:         o.Policy.DialContext(dialer),
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:   true, // a custom DialContext disables HTTP/2 otherwise
		TLSHandshakeTimeout: 10 * time.Second,
		// Many stores' endpoints can share one receiving host (a platform
		// serving several shops): keep enough connections to it warm that
		// a busy minute does not become a dial per delivery.
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &Sender{
		client: &http.Client{
			Transport: transport,
			Timeout:   timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		requireHTTPS: o.RequireHTTPS,
		userAgent:    cmp.Or(o.UserAgent, userAgentDefault),
	}
}

// Message is one delivery attempt's input.
type Message struct {
	// URL is the seller's endpoint.
	URL string
	// ID is the event id, the same on every retry: the receiver's dedupe key.
	ID string
	// Timestamp is when this attempt is made, sent in unix seconds. The zero
	// time means now.
	Timestamp time.Time
	// Body is the JSON payload, sent and signed byte for byte.
	Body []byte
	// Secrets are the endpoint's signing secrets: one, or two while a
	// rotation overlaps. At least one is required; we never send unsigned.
	Secrets []string
}

// Attempt is the outcome of one delivery, everything the delivery log needs.
type Attempt struct {
	// RequestHeaders are the headers sent (signature included: it is not a
	// secret, and receivers debugging verification need it).
	RequestHeaders http.Header
	// StatusCode is the receiver's status, 0 if no response arrived.
	StatusCode int
	// ResponseBody is the first 4 KiB of the receiver's reply.
	ResponseBody []byte
	// Duration is how long the attempt took.
	Duration time.Duration
	// Err is why no response arrived or the request was not sent (invalid
	// message, refused address, timeout). It is nil when the receiver
	// answered, whatever the status: see OK.
	Err error
	// RetryAfter is the receiver's Retry-After, in seconds or as an HTTP
	// date, 0 if absent or unparsable.
	RetryAfter time.Duration
}

// OK reports whether the receiver accepted the delivery: a 2xx status and
// nothing else (a 3xx is a failure, as with Svix and Stripe).
func (a Attempt) OK() bool {
	return a.Err == nil && a.StatusCode >= 200 && a.StatusCode <= 299
}

// Gone reports a 410 Gone, by which a receiver asks for the endpoint to be
// disabled (the caller should pause it and tell the merchant).
func (a Attempt) Gone() bool { return a.Err == nil && a.StatusCode == http.StatusGone }

// Send makes one signed POST of m and reports the outcome. It never panics
// and never returns without an Attempt: problems are in Attempt.Err.
func (s *Sender) Send(ctx context.Context, m Message) (a Attempt) {
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			a.Err = fmt.Errorf("webhooks: send panicked: %v", r)
		}
		a.Duration = time.Since(start)
	}()

	req, err := s.newRequest(ctx, m)
	if err != nil {
		return Attempt{Err: err}
	}
	a.RequestHeaders = req.Header.Clone()

	resp, err := s.client.Do(req)
	if err != nil {
		a.Err = err
		return a
	}
	defer resp.Body.Close()

	a.StatusCode = resp.StatusCode
	a.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	a.ResponseBody, err = io.ReadAll(io.LimitReader(resp.Body, responseBodyLimit))
	if err != nil {
		// The status arrived, which is what matters; keep what was read.
		return a
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, responseDrainLimit))
	return a
}

// newRequest validates m and builds the signed request.
func (s *Sender) newRequest(ctx context.Context, m Message) (*http.Request, error) {
	u, err := url.Parse(m.URL)
	if err != nil {
		return nil, errors.New("webhooks: invalid URL")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && !s.requireHTTPS:
	case u.Scheme == "http":
		return nil, errors.New("webhooks: https required")
	default:
		return nil, fmt.Errorf("webhooks: unsupported URL scheme %q", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("webhooks: URL has no host")
	}
	if m.ID == "" || strings.ContainsAny(m.ID, " \t\r\n") {
		return nil, errors.New("webhooks: invalid message id")
	}
	ts := m.Timestamp
	if ts.IsZero() {
		ts = time.Now()
	}
	sig, err := SignatureHeader(m.Secrets, m.ID, ts, m.Body)
	if err != nil {
		return nil, err
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL, bytes.NewReader(m.Body))
	if err != nil {
		return nil, fmt.Errorf("webhooks: build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.userAgent)
	req.Header.Set(headerID, m.ID)
	req.Header.Set(headerTimestamp, strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set(headerSignature, sig)
	return req, nil
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date
// (RFC 9110 §10.2.3). It returns 0 for absent, unparsable or past values.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > math.MaxInt64/int64(time.Second) {
			return math.MaxInt64 // the caller's backoff cap will apply
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}
