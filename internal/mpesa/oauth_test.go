package mpesa

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestTokenCachedOneMintForManyPushes(t *testing.T) {
	t.Parallel()
	cr := paybillCreds()
	f := newFakeDaraja(t, cr)
	f.mintDelay = 50 * time.Millisecond // make the concurrent callers overlap
	c := newTestClient(f, nil)

	var wg sync.WaitGroup
	results := make([]PushResult, 30)
	errs := make([]error, 30)
	for i := range results {
		wg.Go(func() { results[i], errs[i] = c.Push(t.Context(), cr, validPush()) })
	}
	wg.Wait()
	for i := range results {
		require.NoError(t, errs[i])
		require.Equal(t, OutcomeAccepted, results[i].Outcome, results[i].Message)
	}
	for range 5 {
		res, err := c.Push(t.Context(), cr, validPush())
		require.NoError(t, err)
		require.Equal(t, OutcomeAccepted, res.Outcome)
	}
	mints, pushes, _ := f.counts()
	require.Equal(t, 1, mints)
	require.Equal(t, 35, pushes)
}

func TestTokenExpiresIn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, raw string }{
		{"String", `"3599"`},
		{"Number", `3599`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cr := paybillCreds()
			f := newFakeDaraja(t, cr)
			f.expiresIn = tc.raw
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			var mu sync.Mutex
			cache := NewMemoryTokenCache().(*memoryTokenCache)
			cache.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
			c := newTestClient(f, cache)

			first, err := c.Token(t.Context(), cr)
			require.NoError(t, err)
			require.Len(t, first, 28)

			advance(3599*time.Second - 361*time.Second) // just inside the 10% margin
			again, err := c.Token(t.Context(), cr)
			require.NoError(t, err)
			require.Equal(t, first, again, "still cached")

			advance(2 * time.Second) // now within 10% of Daraja's expiry
			fresh, err := c.Token(t.Context(), cr)
			require.NoError(t, err)
			require.NotEqual(t, first, fresh, "re-minted before expiry")
			mints, _, _ := f.counts()
			require.Equal(t, 2, mints)
		})
	}
}

func TestTokenTTL(t *testing.T) {
	t.Parallel()
	require.Equal(t, 3239*time.Second+100*time.Millisecond, tokenTTL(3599*time.Second))
	require.Equal(t, 60*time.Second, tokenTTL(120*time.Second), "short lifetimes are halved")
	require.Equal(t, 540*time.Second, tokenTTL(600*time.Second), "at least a minute early")
	require.Equal(t, 500*time.Millisecond, tokenTTL(time.Second))
}

func TestTokenMissingExpiresInUsesOneHour(t *testing.T) {
	t.Parallel()
	tok, life, err := parseToken(exchange{200, []byte(`{"access_token":"abc"}`)})
	require.NoError(t, err)
	require.Equal(t, "abc", tok)
	require.Equal(t, 3599*time.Second, life)
}

func TestTokenErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		reply     *answer
		creds     func() Credentials
		config    bool
		throttled bool
		outcome   Outcome
	}{
		{"WrongSecretEmpty400", nil, func() Credentials { c := paybillCreds(); c.ConsumerSecret = "wrong-DO-NOT-LEAK"; return c }, true, false, OutcomeConfigError},
		{"Unauthorized401", &answer{401, ``}, paybillCreds, true, false, OutcomeConfigError},
		{"InvalidAuthentication", &answer{400, `{"requestId":"r","errorCode":"400.008.01","errorMessage":"Invalid Authentication passed"}`}, paybillCreds, true, false, OutcomeConfigError},
		{"InvalidGrantType", &answer{400, `{"requestId":"r","errorCode":"400.008.02","errorMessage":"Invalid grant type passed"}`}, paybillCreds, true, false, OutcomeConfigError},
		{"SpikeArrest", &answer{500, `{"requestId":"r","errorCode":"500.003.02","errorMessage":"Spike Arrest Violation"}`}, paybillCreds, false, true, OutcomeThrottled},
		{"TooManyRequests", &answer{429, ``}, paybillCreds, false, true, OutcomeThrottled},
		{"ServerError", &answer{503, `<html>down</html>`}, paybillCreds, false, false, OutcomeTransient},
		{"NoToken", &answer{200, `{"expires_in":"3599"}`}, paybillCreds, false, false, OutcomeTransient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeDaraja(t, paybillCreds())
			f.mintReply = tc.reply
			c := newTestClient(f, nil)
			cr := tc.creds()

			_, err := c.Token(t.Context(), cr)
			require.Error(t, err)
			require.Equal(t, tc.config, errors.Is(err, ErrConfig), err.Error())
			var ae *APIError
			if !tc.config {
				require.True(t, errors.As(err, &ae))
				require.Equal(t, tc.throttled, ae.Throttled)
			}
			require.NotContains(t, err.Error(), "DO-NOT-LEAK")
			require.NotContains(t, err.Error(), cr.ConsumerSecret)

			res, err := c.Push(t.Context(), cr, validPush())
			require.NoError(t, err, "a Daraja answer is a result, not an error")
			require.Equal(t, tc.outcome, res.Outcome, res.Message)
			wantStatus := 400
			if tc.reply != nil {
				wantStatus = tc.reply.status
			}
			require.Equal(t, wantStatus, res.HTTPStatus, "the OAuth answer is reported")
			require.NotContains(t, res.Message, cr.ConsumerSecret)
			_, pushes, _ := f.counts()
			require.Zero(t, pushes, "no push without a token")
		})
	}
}

func TestTokenNotCachedOnFailure(t *testing.T) {
	t.Parallel()
	cr := paybillCreds()
	f := newFakeDaraja(t, cr)
	f.mintReply = &answer{500, `{"errorCode":"500.003.1001","errorMessage":"Internal Server Error"}`}
	c := newTestClient(f, nil)
	_, err := c.Token(t.Context(), cr)
	require.Error(t, err)
	f.mu.Lock()
	f.mintReply = nil
	f.mu.Unlock()
	tok, err := c.Token(t.Context(), cr)
	require.NoError(t, err)
	require.NotEmpty(t, tok)
}

func TestTokenSingleFlightAcrossReplicas(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		cache func(t *testing.T) TokenCache
	}{
		{"Memory", func(*testing.T) TokenCache { return NewMemoryTokenCache() }},
		{"Redis", func(t *testing.T) TokenCache {
			mr := miniredis.RunT(t)
			rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
			t.Cleanup(func() { _ = rdb.Close() })
			return NewRedisTokenCache(rdb, "test:")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cr := paybillCreds()
			f := newFakeDaraja(t, cr)
			f.mintDelay = 100 * time.Millisecond
			shared := tc.cache(t)
			replicas := []*Client{newTestClient(f, shared), newTestClient(f, shared), newTestClient(f, shared)}

			var wg sync.WaitGroup
			tokens := make([]string, 30)
			for i := range tokens {
				wg.Go(func() {
					tok, err := replicas[i%len(replicas)].Token(t.Context(), cr)
					require.NoError(t, err)
					tokens[i] = tok
				})
			}
			wg.Wait()
			mints, _, _ := f.counts()
			require.Equal(t, 1, mints)
			for _, tok := range tokens {
				require.Equal(t, tokens[0], tok)
			}
		})
	}
}

func TestTokenWaiterStopsWithItsContext(t *testing.T) {
	t.Parallel()
	cr := paybillCreds()
	f := newFakeDaraja(t, cr)
	f.mintDelay = 300 * time.Millisecond
	c := newTestClient(f, nil)

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err := c.Token(ctx, cr)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	// The shared mint carried on and cached its token for the next caller.
	require.Eventually(t, func() bool {
		_, ok, _ := c.tokens.Get(t.Context(), cr.CacheKey())
		return ok
	}, 2*time.Second, 10*time.Millisecond)
	_, err = c.Token(t.Context(), cr)
	require.NoError(t, err)
	mints, _, _ := f.counts()
	require.Equal(t, 1, mints)
}

func TestTokenWaitsForLockHolderThenTakesOver(t *testing.T) {
	t.Parallel()
	cr := paybillCreds()
	f := newFakeDaraja(t, cr)
	cache := NewMemoryTokenCache()
	c := newTestClient(f, cache)
	c.lockTTL = 200 * time.Millisecond

	// Another replica holds the lock and dies without publishing a token.
	_, ok, err := cache.Lock(t.Context(), cr.CacheKey(), c.lockTTL)
	require.NoError(t, err)
	require.True(t, ok)

	start := time.Now()
	tok, err := c.Token(t.Context(), cr)
	require.NoError(t, err)
	require.NotEmpty(t, tok)
	require.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond, "waited for the lock to expire")
	mints, _, _ := f.counts()
	require.Equal(t, 1, mints)
}
