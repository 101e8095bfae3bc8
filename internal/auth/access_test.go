package auth_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/db/dbtest"
)

func service(t *testing.T) (*auth.Service, *auth.Limiter) {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	l := auth.NewLimiter(rdb, "test", slog.New(slog.DiscardHandler))
	return auth.NewService(dbtest.Open(t)).WithCost(bcrypt.MinCost).WithLimiter(l), l
}

// TestLoginLimitPerAddress: one address guessing across many accounts is
// stopped too, and a right password never resets the address's count.
func TestLoginLimitPerAddress(t *testing.T) {
	ctx := context.Background()
	s, l := service(t)
	l.PerAddress = 3
	_, err := s.CreateUser(ctx, "real@example.com", "correct horse", "Real")
	require.NoError(t, err)
	for _, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		_, err := s.Verify(ctx, email, "guess-guess", "203.0.113.7")
		require.ErrorIs(t, err, auth.ErrBadCredentials)
	}
	_, err = s.Verify(ctx, "real@example.com", "correct horse", "203.0.113.7")
	require.ErrorIs(t, err, auth.ErrTooManyAttempts)
	u, err := s.Verify(ctx, "real@example.com", "correct horse", "198.51.100.1")
	require.NoError(t, err, "another address is not limited")
	require.Equal(t, "real@example.com", u.Email)
}

// TestLoginLimitHoldsAgainstParallelGuesses: guesses sent all at once are
// counted before their passwords are checked, so no more than the limit
// are ever tried, and the right password among them is refused too.
func TestLoginLimitHoldsAgainstParallelGuesses(t *testing.T) {
	ctx := context.Background()
	s, _ := service(t)
	_, err := s.CreateUser(ctx, "owner@example.com", "correct horse", "Owner")
	require.NoError(t, err)
	var mu sync.Mutex
	tried := 0
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Verify(ctx, "owner@example.com", fmt.Sprintf("guess-%02d", i), fmt.Sprintf("198.51.100.%d", i))
			if errors.Is(err, auth.ErrBadCredentials) {
				mu.Lock()
				tried++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.LessOrEqual(t, tried, 5, "at most the account's limit of passwords was checked")
	_, err = s.Verify(ctx, "owner@example.com", "correct horse", "203.0.113.9")
	require.ErrorIs(t, err, auth.ErrTooManyAttempts)
}

// TestSessions: a session opens with its cookie value only, and ends.
func TestSessions(t *testing.T) {
	ctx := context.Background()
	s, _ := service(t)
	u, err := s.CreateUser(ctx, "sess@example.com", "correct horse", "Sess")
	require.NoError(t, err)
	raw, sess, err := s.StartSession(ctx, u.ID, "127.0.0.1")
	require.NoError(t, err)
	require.NotContains(t, sess.TokenHash, raw, "only the hash is stored")
	got, _, err := s.SessionUser(ctx, raw)
	require.NoError(t, err)
	require.Equal(t, u.ID, got.ID)
	_, _, err = s.SessionUser(ctx, raw+"x")
	require.ErrorIs(t, err, auth.ErrInvalidToken)
	require.NoError(t, s.EndSession(ctx, raw))
	_, _, err = s.SessionUser(ctx, raw)
	require.ErrorIs(t, err, auth.ErrInvalidToken)
}
