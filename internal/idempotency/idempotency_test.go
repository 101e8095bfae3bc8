package idempotency

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/db/dbtest"
)

func TestBegin(t *testing.T) {
	t.Parallel()
	s := NewStore(dbtest.Open(t))
	ctx := context.Background()
	body := []byte(`{"phone":"0712345678"}`)

	replay, err := s.Begin(ctx, "sto_1", "orders", "k1", body)
	require.NoError(t, err)
	require.Nil(t, replay, "a new key runs the request")

	_, err = s.Begin(ctx, "sto_1", "orders", "k1", body)
	require.ErrorIs(t, err, ErrInFlight)
	_, err = s.Begin(ctx, "sto_1", "orders", "k1", []byte(`{"phone":"0799999999"}`))
	require.ErrorIs(t, err, ErrMismatch)

	require.NoError(t, s.Finish(ctx, "sto_1", "orders", "k1", Response{Status: 201, Body: []byte(`{"id":"ord_1"}`)}))
	replay, err = s.Begin(ctx, "sto_1", "orders", "k1", body)
	require.NoError(t, err)
	require.Equal(t, &Response{Status: 201, Body: []byte(`{"id":"ord_1"}`)}, replay)

	replay, err = s.Begin(ctx, "sto_2", "orders", "k1", body)
	require.NoError(t, err)
	require.Nil(t, replay, "keys are per store")

	require.NoError(t, s.Abandon(ctx, "sto_2", "orders", "k1"))
	replay, err = s.Begin(ctx, "sto_2", "orders", "k1", body)
	require.NoError(t, err)
	require.Nil(t, replay, "an abandoned key runs again")
}
