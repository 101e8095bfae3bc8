package mpesa

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Client timing defaults. They are fields on Client (not globals) so tests
// can shorten them.
const (
	// DefaultHTTPTimeout bounds one HTTP exchange with Daraja.
	DefaultHTTPTimeout = 10 * time.Second
	// maxBody caps what we read from Daraja; real answers are < 1 KiB.
	maxBody = 1 << 20
)

// Client talks to Daraja for many merchants: credentials are passed per
// call, tokens are cached per app. It is safe for concurrent use.
type Client struct {
	baseURL string
	http    *http.Client
	tokens  TokenCache
	now     func() time.Time
	flights flightGroup

	// Token minting timing; see oauth.go.
	mintTimeout time.Duration // whole single-flight mint, waiting included
	lockTTL     time.Duration // cross-replica mint lock
	pollEvery   time.Duration // how often a waiting replica re-reads the cache
}

// Options configures a Client. The zero value talks to the Safaricom host
// of each credential's environment with a 10 s timeout and an in-memory
// token cache.
type Options struct {
	// BaseURL overrides the Daraja host for every environment (the
	// simulator, an httptest server). Empty: sandbox or production host by
	// [Credentials.Environment].
	BaseURL string
	// HTTPClient defaults to one with a 10 s timeout.
	HTTPClient *http.Client
	// Tokens defaults to NewMemoryTokenCache(); use NewRedisTokenCache when
	// more than one process pushes for the same merchants.
	Tokens TokenCache
	// Now defaults to time.Now; it drives the STK Timestamp.
	Now func() time.Time
}

// NewClient returns a Client with o's gaps filled by the defaults.
func NewClient(o Options) *Client {
	c := &Client{
		baseURL:     strings.TrimRight(o.BaseURL, "/"),
		http:        o.HTTPClient,
		tokens:      o.Tokens,
		now:         o.Now,
		mintTimeout: 20 * time.Second,
		lockTTL:     15 * time.Second,
		pollEvery:   100 * time.Millisecond,
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	if c.tokens == nil {
		c.tokens = NewMemoryTokenCache()
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// url joins the base for cr with path.
func (c *Client) url(cr Credentials, path string) string {
	if c.baseURL != "" {
		return c.baseURL + path
	}
	return cr.baseURL() + path
}

// exchange is one HTTP round trip: what Daraja answered, raw.
type exchange struct {
	status int
	body   []byte
}

// do sends one request and reads the answer. A non-nil error means no
// answer arrived (timeout, refused connection, cancelled context): the
// caller cannot know whether Daraja acted on the request. The error text
// holds the URL but never headers or body, which carry secrets.
func (c *Client) do(ctx context.Context, method, url, auth string, payload any) (exchange, error) {
	var body io.Reader
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			return exchange{}, fmt.Errorf("mpesa: encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return exchange{}, fmt.Errorf("mpesa: build request: %w", err)
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return exchange{}, fmt.Errorf("mpesa: %s %s: %w", method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return exchange{}, fmt.Errorf("mpesa: %s %s: read answer: %w", method, req.URL.Path, err)
	}
	return exchange{status: resp.StatusCode, body: b}, nil
}
