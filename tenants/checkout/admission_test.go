package checkout

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func newTestAdmission(total, perStore int) *Admission {
	a := NewAdmission(total, perStore)
	a.wait = 20 * time.Millisecond // how long a refused caller waits, not a speed claim
	return a
}

func requireBusy(t *testing.T, err error) {
	t.Helper()
	var busy *BusyError
	require.ErrorAs(t, err, &busy)
	require.Positive(t, busy.RetryAfter())
}

func TestAdmissionKeepsOneStoreFromTakingEverySlot(t *testing.T) {
	t.Parallel()
	a := newTestAdmission(10, 2)
	ctx := t.Context()
	var held []func()
	for range 2 {
		release, err := a.Enter(ctx, "sto_hot")
		require.NoError(t, err)
		held = append(held, release)
	}
	_, err := a.Enter(ctx, "sto_hot")
	requireBusy(t, err)

	release, err := a.Enter(ctx, "sto_other")
	require.NoError(t, err, "another store still gets in while the hot one is full")
	release()
	for _, r := range held {
		r()
	}
	require.Empty(t, a.stores, "idle stores are forgotten")
}

func TestAdmissionBoundsTheTotal(t *testing.T) {
	t.Parallel()
	a := newTestAdmission(2, 2)
	ctx := t.Context()
	r1, err := a.Enter(ctx, "sto_a")
	require.NoError(t, err)
	r2, err := a.Enter(ctx, "sto_b")
	require.NoError(t, err)
	_, err = a.Enter(ctx, "sto_c")
	requireBusy(t, err)
	require.Len(t, a.stores, 2, "the refused store's slots were given back")

	a.wait = time.Minute
	got := make(chan error, 1)
	go func() {
		release, err := a.Enter(ctx, "sto_c")
		if err == nil {
			release()
		}
		got <- err
	}()
	r1()
	require.NoError(t, <-got, "a waiting checkout takes the slot that frees")
	r2()
	require.Empty(t, a.stores)
}

func TestAdmissionGivesUpWithItsRequest(t *testing.T) {
	t.Parallel()
	a := newTestAdmission(1, 1)
	a.wait = time.Minute
	release, err := a.Enter(t.Context(), "sto_a")
	require.NoError(t, err)
	defer release()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = a.Enter(ctx, "sto_a")
	require.True(t, errors.Is(err, context.Canceled), "a customer who left is not told the shop is busy: %v", err)
}

func TestNoAdmissionAdmitsEverything(t *testing.T) {
	t.Parallel()
	a := NewAdmission(0, 0)
	require.Nil(t, a)
	release, err := a.Enter(t.Context(), "sto_a")
	require.NoError(t, err)
	release()
}
