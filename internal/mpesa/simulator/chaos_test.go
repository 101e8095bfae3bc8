package simulator

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const chaosPath = "/simulator/v1/chaos"

func TestChaosAPI(t *testing.T) {
	t.Parallel()

	t.Run("PutAndGetExactJSON", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		status, raw := b.do(t, http.MethodGet, chaosPath, nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, `{"drop_callbacks":0,"duplicate_callbacks":0,"spike_arrest":0,"latency":"0s","seed":0}`, raw)

		want := `{"drop_callbacks":0.3,"duplicate_callbacks":0.1,"spike_arrest":0.05,"latency":"200ms","seed":1}`
		status, raw = b.do(t, http.MethodPut, chaosPath, nil, want)
		require.Equal(t, http.StatusOK, status, raw)
		require.Equal(t, want, raw)
		_, raw = b.do(t, http.MethodGet, chaosPath, nil, nil)
		require.Equal(t, want, raw)
		require.Equal(t, Chaos{DropCallbacks: 0.3, DuplicateCallbacks: 0.1, SpikeArrest: 0.05, Latency: 200 * time.Millisecond, Seed: 1}, b.sim.Chaos())

		var decoded Chaos
		require.NoError(t, jsonUnmarshal(raw, &decoded), "a Go client reads the knobs back")
		require.Equal(t, b.sim.Chaos(), decoded)

		_, raw = b.do(t, http.MethodPut, chaosPath, nil, `{}`)
		require.Equal(t, `{"drop_callbacks":0,"duplicate_callbacks":0,"spike_arrest":0,"latency":"0s","seed":0}`, raw, "{} turns chaos off")
	})

	t.Run("BadInputIs400AndChangesNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		before := Chaos{DropCallbacks: 0.5, Seed: 9}
		require.NoError(t, b.sim.SetChaos(before))
		for body, msg := range map[string]string{
			`{"drop_callbacks":1.5}`:                           "drop_callbacks must be a fraction between 0 and 1",
			`{"duplicate_callbacks":-0.1}`:                     "duplicate_callbacks must be a fraction between 0 and 1",
			`{"spike_arrest":2}`:                               "spike_arrest must be a fraction between 0 and 1",
			`{"drop_callbacks":0.6,"duplicate_callbacks":0.5}`: "drop_callbacks + duplicate_callbacks must be at most 1",
			`{"latency":"soon"}`:                               "latency must be a Go duration",
			`{"latency":"-1s"}`:                                "latency must be between 0s and 1m0s",
			`{"latency":"2m"}`:                                 "latency must be between 0s and 1m0s",
			`{"seed":-1}`:                                      "invalid JSON body",
			`{"seed":"1"}`:                                     "invalid JSON body",
			`{"drop":0.1}`:                                     "unknown field",
			`[]`:                                               "invalid JSON body",
			``:                                                 "invalid JSON body",
		} {
			status, raw := b.do(t, http.MethodPut, chaosPath, nil, body)
			require.Equal(t, http.StatusBadRequest, status, body)
			require.Contains(t, raw, `{"error":"`)
			require.Contains(t, raw, msg, body)
		}
		require.Equal(t, before, b.sim.Chaos())
		require.ErrorContains(t, b.sim.SetChaos(Chaos{SpikeArrest: nan()}), "spike_arrest must be a fraction")
	})
}

func nan() float64 {
	zero := 0.0
	return zero / zero
}

func TestChaosSpikeArrest(t *testing.T) {
	t.Parallel()

	t.Run("PushGetsTheReferenceShapeAndNoTransaction", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		tok := b.token(t)
		require.NoError(t, b.sim.SetChaos(Chaos{SpikeArrest: 1}))
		status, raw := b.do(t, http.MethodPost, pushPath, bearer(tok), b.pushBody(nil))
		requireDarajaError(t, status, raw, http.StatusInternalServerError, "500.003.02", "Spike Arrest Violation")
		require.Empty(t, b.sim.Transactions())
		b.receiver.none(t, 50*time.Millisecond)

		// Only requests that would have worked are hit: validation comes first.
		status, raw = b.do(t, http.MethodPost, pushPath, bearer(tok), b.pushBody(map[string]any{"Amount": "10.5"}))
		requireDarajaError(t, status, raw, http.StatusBadRequest, "400.002.02", "Bad Request - Invalid Amount")

		require.NoError(t, b.sim.SetChaos(Chaos{}))
		b.push(t, tok, b.pushBody(nil))
	})

	t.Run("QueryIsCountedOnTheTransaction", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		tok := b.token(t)
		resp := b.push(t, tok, b.pushBody(nil))
		b.waitState(t, resp.CheckoutRequestID, StateSucceeded)
		require.NoError(t, b.sim.SetChaos(Chaos{SpikeArrest: 1}))
		for range 2 {
			status, raw := b.do(t, http.MethodPost, queryPath, bearer(tok), b.queryBody(resp.CheckoutRequestID))
			requireDarajaError(t, status, raw, http.StatusInternalServerError, "500.003.02", "Spike Arrest Violation")
		}
		status, raw := b.do(t, http.MethodPost, queryPath, bearer(tok), b.queryBody("ws_CO_191220191021159712345678"))
		requireDarajaError(t, status, raw, http.StatusInternalServerError, "500.001.1001", "The transaction does not Exist")

		tx, _ := b.sim.Transaction(resp.CheckoutRequestID)
		require.Equal(t, TransactionChaos{QueriesSpikeArrested: 2}, tx.Chaos)
		require.NoError(t, b.sim.SetChaos(Chaos{}))
		_, q := b.query(t, tok, resp.CheckoutRequestID)
		require.Equal(t, "0", q["ResultCode"])
	})
}

func TestChaosCallbacks(t *testing.T) {
	t.Parallel()

	t.Run("DroppedStillResolvesAndTheQueryTellsTheTruth", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		tok := b.token(t)
		require.NoError(t, b.sim.SetChaos(Chaos{DropCallbacks: 1}))
		paid := b.push(t, tok, b.pushBody(nil))
		cancelled := b.push(t, tok, b.phoneBody(PhoneCancels))
		tx := b.waitState(t, paid.CheckoutRequestID, StateSucceeded)
		b.waitState(t, cancelled.CheckoutRequestID, StateFailed)
		require.NotEmpty(t, tx.Receipt)
		b.receiver.none(t, 200*time.Millisecond)

		status, q := b.query(t, tok, paid.CheckoutRequestID)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, map[string]any{
			"ResponseCode":        "0",
			"ResponseDescription": "The service request has been accepted successsfully",
			"MerchantRequestID":   paid.MerchantRequestID,
			"CheckoutRequestID":   paid.CheckoutRequestID,
			"ResultCode":          "0",
			"ResultDesc":          "The service request is processed successfully.",
		}, q)
		_, q = b.query(t, tok, cancelled.CheckoutRequestID)
		require.Equal(t, "1032", q["ResultCode"])

		tx, _ = b.sim.Transaction(paid.CheckoutRequestID)
		require.Empty(t, tx.Callbacks)
		require.Equal(t, TransactionChaos{CallbacksDropped: 1}, tx.Chaos)
		_, raw := b.do(t, http.MethodGet, "/simulator/v1/transactions/"+paid.CheckoutRequestID, nil, nil)
		require.Contains(t, raw, `"chaos":{"callbacks_dropped":1,"callbacks_duplicated":0,"queries_spike_arrested":0}`)
	})

	t.Run("DropCountsWhatTheBehaviourWouldHaveSent", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		tok := b.token(t)
		require.NoError(t, b.sim.SetChaos(Chaos{DropCallbacks: 1}))
		twice := b.push(t, tok, b.phoneBody(PhoneDuplicateCallback))
		never := b.push(t, tok, b.phoneBody(PhoneNoCallback))
		require.Equal(t, TransactionChaos{CallbacksDropped: 2}, b.waitState(t, twice.CheckoutRequestID, StateSucceeded).Chaos)
		require.Equal(t, TransactionChaos{}, b.waitState(t, never.CheckoutRequestID, StateSucceeded).Chaos, "nothing to drop")
	})

	t.Run("DuplicatedIsSentTwice", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		require.NoError(t, b.sim.SetChaos(Chaos{DuplicateCallbacks: 1}))
		resp := b.push(t, b.token(t), b.pushBody(nil))
		first, second := b.receiver.next(t), b.receiver.next(t)
		b.receiver.none(t, 100*time.Millisecond)
		tx := b.waitCallbacks(t, resp.CheckoutRequestID, 2)
		require.Equal(t, successBody(tx, "1.00"), first.Body)
		require.Equal(t, first.Body, second.Body)
		require.Equal(t, DefaultPaybill, second.Header.Get("BusinessShortCode"))
		require.Equal(t, TransactionChaos{CallbacksDuplicated: 1}, tx.Chaos)
	})

	t.Run("DuplicateOfALateCallbackIsLateToo", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{LateCallback: 200 * time.Millisecond})
		require.NoError(t, b.sim.SetChaos(Chaos{DuplicateCallbacks: 1}))
		resp := b.push(t, b.token(t), b.phoneBody(PhoneLateCallback))
		b.waitState(t, resp.CheckoutRequestID, StateSucceeded)
		b.receiver.none(t, 100*time.Millisecond)
		first, second := b.receiver.next(t), b.receiver.next(t)
		require.Equal(t, first.Body, second.Body)
	})

	t.Run("FateIsDrawnWhenThePushIsAccepted", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		require.NoError(t, b.sim.SetChaos(Chaos{DropCallbacks: 1}))
		resp := b.push(t, b.token(t), b.phoneBody(PhoneWaits))
		require.NoError(t, b.sim.SetChaos(Chaos{}))
		require.NoError(t, b.sim.Answer(resp.CheckoutRequestID, ActionPIN))
		tx := b.waitState(t, resp.CheckoutRequestID, StateSucceeded)
		b.receiver.none(t, 100*time.Millisecond)
		require.Equal(t, TransactionChaos{CallbacksDropped: 1}, tx.Chaos)
	})
}

// chaosRun pushes n times to distinct numbers under c, with a query between
// pushes when interleave is set, and returns what chaos did to each push: S
// spike arrest, D callbacks dropped, 2 duplicated, . untouched.
func chaosRun(t *testing.T, b *testBundle, c Chaos, n int, interleave bool) string {
	t.Helper()
	require.NoError(t, b.sim.SetChaos(c))
	tok := b.token(t)
	var out strings.Builder
	var last string
	for i := range n {
		if interleave && last != "" {
			b.do(t, http.MethodPost, queryPath, bearer(tok), b.queryBody(last))
		}
		phone := fmt.Sprintf("2547200%05d", i)
		status, raw := b.do(t, http.MethodPost, pushPath, bearer(tok), b.phoneBody(phone))
		if status != http.StatusOK {
			requireDarajaError(t, status, raw, http.StatusInternalServerError, "500.003.02", "Spike Arrest Violation")
			out.WriteByte('S')
			continue
		}
		var resp pushResponse
		require.NoError(t, jsonUnmarshal(raw, &resp))
		last = resp.CheckoutRequestID
		switch tx := b.waitState(t, last, StateSucceeded); {
		case tx.Chaos.CallbacksDropped > 0:
			out.WriteByte('D')
		case tx.Chaos.CallbacksDuplicated > 0:
			out.WriteByte('2')
		default:
			out.WriteByte('.')
		}
	}
	return out.String()
}

func TestChaosIsReproducibleWithASeed(t *testing.T) {
	t.Parallel()
	knobs := Chaos{DropCallbacks: 0.3, DuplicateCallbacks: 0.2, SpikeArrest: 0.25, Seed: 1}
	const n = 60

	first := setup(t, Config{})
	want := chaosRun(t, first, knobs, n, false)
	t.Logf("seed 1: %s", want)
	for _, c := range "SD2." {
		require.Contains(t, want, string(c), "every kind of chaos shows up in %d pushes", n)
	}

	again := setup(t, Config{})
	require.Equal(t, want, chaosRun(t, again, knobs, n, true), "same seed, same pushes: same hits, queries in between or not")
	require.Equal(t, want, chaosRun(t, again, knobs, n, false), "SetChaos restarts the draws")

	knobs.Seed = 2
	require.NotEqual(t, want, chaosRun(t, again, knobs, n, false), "another seed hits other pushes")

	// Callbacks really follow the record: 'D' sent none, '2' sent two.
	var sent int
	for _, tx := range first.sim.Transactions() {
		n := 1 - tx.Chaos.CallbacksDropped + tx.Chaos.CallbacksDuplicated
		sent += len(first.waitCallbacks(t, tx.CheckoutRequestID, n).Callbacks)
	}
	require.Equal(t, strings.Count(want, ".")+2*strings.Count(want, "2"), sent)
}

func TestChaosLatency(t *testing.T) {
	t.Parallel()

	t.Run("DelaysDarajaRoutes", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		require.NoError(t, b.sim.SetChaos(Chaos{Latency: 300 * time.Millisecond}))
		start := time.Now()
		tok := b.token(t)
		require.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "oauth")
		start = time.Now()
		resp := b.push(t, tok, b.pushBody(nil))
		require.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "push")
		start = time.Now()
		b.query(t, tok, resp.CheckoutRequestID)
		require.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "query")
	})

	t.Run("CloseEndsTheWait", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		require.NoError(t, b.sim.SetChaos(Chaos{Latency: MaxChaosLatency}))
		done := make(chan int, 1)
		go func() {
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, b.srv.URL+generatePath, nil)
			req.SetBasicAuth(DefaultConsumerKey, DefaultConsumerSecret)
			resp, err := b.srv.Client().Do(req)
			if err != nil {
				done <- 0
				return
			}
			resp.Body.Close()
			done <- resp.StatusCode
		}()
		time.Sleep(50 * time.Millisecond)
		b.sim.Close()
		select {
		case status := <-done:
			require.Equal(t, http.StatusOK, status, "answered once the wait ended")
		case <-time.After(10 * time.Second):
			t.Fatal("Close did not end the added latency")
		}
	})
}
