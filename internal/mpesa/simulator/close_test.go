package simulator

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestClose(t *testing.T) {
	t.Parallel()

	t.Run("StopsPendingTimers", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{Delay: 200 * time.Millisecond, LateCallback: 200 * time.Millisecond})
		tok := b.token(t)
		late := b.push(t, tok, b.phoneBody(PhoneLateCallback))
		b.waitState(t, late.CheckoutRequestID, StateSucceeded) // its callback is now on a timer
		pending := b.push(t, tok, b.pushBody(nil))
		b.sim.Close()

		b.receiver.none(t, 400*time.Millisecond)
		tx, _ := b.sim.Transaction(pending.CheckoutRequestID)
		require.Equal(t, StatePending, tx.State)
		require.Error(t, b.sim.Answer(pending.CheckoutRequestID, ActionPIN))
		b.sim.Close() // twice is fine
	})

	t.Run("WaitsForInFlightCallbacks", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		arrived, release := make(chan struct{}), make(chan struct{})
		slow := newLoopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			close(arrived)
			<-release
			w.WriteHeader(http.StatusAccepted)
		}))
		resp := b.push(t, b.token(t), b.pushBody(map[string]any{"CallBackURL": slow + "/cb"}))
		<-arrived

		closed := make(chan struct{})
		go func() {
			b.sim.Close()
			close(closed)
		}()
		select {
		case <-closed:
			t.Fatal("Close returned while a callback was in flight")
		case <-time.After(100 * time.Millisecond):
		}
		close(release)
		<-closed
		tx, _ := b.sim.Transaction(resp.CheckoutRequestID)
		require.Len(t, tx.Callbacks, 1)
		require.Equal(t, http.StatusAccepted, tx.Callbacks[0].StatusCode)
	})
}
