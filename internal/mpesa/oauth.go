package mpesa

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Token lifetime handling.
const (
	// defaultTokenLifetime is used when expires_in is missing or unreadable:
	// Daraja documents one hour.
	defaultTokenLifetime = 3599 * time.Second
	// minTokenMargin is the least time a token is retired before Daraja's
	// expiry, so a request never leaves with a token about to die.
	minTokenMargin = 60 * time.Second
)

// Token returns an access token for cr's Daraja app. It is served from the
// TokenCache while valid; otherwise exactly one caller mints a new one:
// one per key in this process (single-flight), and one across replicas via
// TokenCache.Lock, the others polling the cache until the token appears.
// This matters because every mint invalidates the app's previous token.
//
// A rejected consumer key or secret gives a *ConfigError (errors.Is
// ErrConfig); other Daraja answers give an *APIError; transport and cache
// failures are returned wrapped. No error text contains a secret.
func (c *Client) Token(ctx context.Context, cr Credentials) (string, error) {
	return c.token(ctx, cr, "")
}

// token is Token, except that a cached token equal to stale (one Daraja
// just refused) is replaced rather than returned.
func (c *Client) token(ctx context.Context, cr Credentials, stale string) (string, error) {
	if cr.ConsumerKey == "" || cr.ConsumerSecret == "" {
		return "", &ConfigError{Field: "ConsumerKey", Reason: "the consumer key and secret are required"}
	}
	key := cr.CacheKey()
	tok, ok, err := c.tokens.Get(ctx, key)
	if err != nil {
		return "", err
	}
	if ok && tok != stale {
		return tok, nil
	}
	return c.flights.do(ctx, key, func() (string, error) {
		// The mint is shared by every waiter, so it must not die with the
		// first caller's context; it is bounded by mintTimeout instead.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.mintTimeout)
		defer cancel()
		return c.mintShared(fctx, cr, key, stale)
	})
}

// mintShared mints under the cross-replica lock, or waits for the replica
// holding it to publish its token.
func (c *Client) mintShared(ctx context.Context, cr Credentials, key, stale string) (string, error) {
	tok, ok, err := c.tokens.Get(ctx, key)
	if err != nil {
		return "", err
	}
	if ok && tok != stale {
		return tok, nil
	}
	if ok {
		if err := c.tokens.Delete(ctx, key); err != nil {
			return "", err
		}
	}
	for {
		unlock, locked, err := c.tokens.Lock(ctx, key, c.lockTTL)
		if err != nil {
			return "", err
		}
		if locked {
			defer unlock()
			// Another replica may have published between our read and the lock.
			if tok, ok, err := c.tokens.Get(ctx, key); err != nil || (ok && tok != stale) {
				return tok, err
			}
			// Finish well inside the lock's lifetime, so no second replica
			// mints while this request is still in flight.
			mctx, cancel := context.WithTimeout(ctx, c.lockTTL*3/4)
			defer cancel()
			return c.mint(mctx, cr, key)
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("mpesa: oauth: waiting for another process to mint the token: %w", ctx.Err())
		case <-time.After(c.pollEvery):
		}
		if tok, ok, err := c.tokens.Get(ctx, key); err != nil || (ok && tok != stale) {
			return tok, err
		}
	}
}

// tokenAnswer is Daraja's OAuth success body.
type tokenAnswer struct {
	AccessToken string     `json:"access_token"`
	ExpiresIn   flexString `json:"expires_in"`
}

// mint asks Daraja for a new token and caches it.
func (c *Client) mint(ctx context.Context, cr Credentials, key string) (string, error) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(cr.ConsumerKey+":"+cr.ConsumerSecret))
	ex, err := c.do(ctx, http.MethodGet, c.url(cr, "/oauth/v1/generate?grant_type=client_credentials"), basic, nil)
	if err != nil {
		return "", err
	}
	tok, lifetime, err := parseToken(ex)
	if err != nil {
		return "", err
	}
	if ttl := tokenTTL(lifetime); ttl > 0 {
		// A failed Set still leaves us a good token; the cache's trouble
		// will surface on the next Get, so do not waste this mint.
		_ = c.tokens.Set(ctx, key, tok, ttl)
	}
	return tok, nil
}

// parseToken reads the OAuth answer into a token and its lifetime, or the
// error that explains the refusal.
func parseToken(ex exchange) (string, time.Duration, error) {
	if ex.status == http.StatusOK {
		var t tokenAnswer
		if err := json.Unmarshal(ex.body, &t); err != nil || t.AccessToken == "" {
			return "", 0, &APIError{Op: "oauth", HTTPStatus: ex.status, Message: fmt.Sprintf("no access_token in a %d-byte answer", len(ex.body))}
		}
		lifetime := defaultTokenLifetime
		if secs, err := strconv.ParseInt(string(t.ExpiresIn), 10, 64); err == nil && secs > 0 {
			lifetime = time.Duration(secs) * time.Second
		}
		return t.AccessToken, lifetime, nil
	}
	a, parsed := decodeAnswer(ex.body)
	code, msg := string(a.ErrorCode), a.ErrorMessage
	switch {
	case (ex.status == http.StatusBadRequest && !parsed) || ex.status == http.StatusUnauthorized:
		// Seen: a wrong key or secret is HTTP 400 with an empty body.
		return "", 0, &ConfigError{Field: "ConsumerSecret", HTTPStatus: ex.status, Code: code,
			Reason: "Daraja rejected the consumer key or secret; check them and the environment"}
	case ex.status == http.StatusTooManyRequests || code == "500.003.02" || code == "500.003.03" || contains(msg, "spike arrest"):
		return "", 0, &APIError{Op: "oauth", HTTPStatus: ex.status, Code: code, Message: msg, Throttled: true}
	case ex.status >= 400 && ex.status < 500:
		// 400.008.01 wrong scheme, 400.008.02 wrong grant type, a wrong
		// base URL: none of these heal by retrying.
		return "", 0, &ConfigError{HTTPStatus: ex.status, Code: code, Reason: "Daraja refused the token request: " + msg}
	}
	if !parsed {
		msg = fmt.Sprintf("unreadable %d-byte answer", len(ex.body))
	}
	return "", 0, &APIError{Op: "oauth", HTTPStatus: ex.status, Code: code, Message: msg}
}

// tokenTTL is how long to cache a token that Daraja says lives for
// lifetime: 10% (at least a minute) less, or half of it for odd short
// lifetimes; 0 means do not cache.
func tokenTTL(lifetime time.Duration) time.Duration {
	margin := max(lifetime/10, minTokenMargin)
	if lifetime > 2*margin {
		return lifetime - margin
	}
	return lifetime / 2
}
