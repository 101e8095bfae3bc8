package simulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// successBody is the reference success callback for testPhone-like numbers.
func successBody(tx Transaction, amount string) string {
	return fmt.Sprintf(`{"Body":{"stkCallback":{"MerchantRequestID":%q,"CheckoutRequestID":%q,"ResultCode":0,"ResultDesc":"The service request is processed successfully.","CallbackMetadata":{"Item":[{"Name":"Amount","Value":%s},{"Name":"MpesaReceiptNumber","Value":%q},{"Name":"TransactionDate","Value":20191219102115},{"Name":"PhoneNumber","Value":%s}]}}}}`,
		tx.MerchantRequestID, tx.CheckoutRequestID, amount, tx.Receipt, tx.Phone)
}

func failureBody(tx Transaction, code, desc string) string {
	return fmt.Sprintf(`{"Body":{"stkCallback":{"MerchantRequestID":%q,"CheckoutRequestID":%q,"ResultCode":%s,"ResultDesc":%q}}}`,
		tx.MerchantRequestID, tx.CheckoutRequestID, code, desc)
}

func TestCallbacks(t *testing.T) {
	t.Parallel()

	t.Run("SuccessBodyHeadersAndTypes", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		resp := b.push(t, b.token(t), b.pushBody(nil))
		cb := b.receiver.next(t)
		tx := b.waitState(t, resp.CheckoutRequestID, StateSucceeded)

		require.Equal(t, "/callbacks/stk/tok123", cb.Path)
		require.Equal(t, "application/json;charset=UTF-8", cb.Header.Get("Content-Type"))
		require.Equal(t, DefaultPaybill, cb.Header.Get("BusinessShortCode"))
		require.Empty(t, cb.Header.Get("Authorization"))
		require.Equal(t, successBody(tx, "1.00"), cb.Body)
		require.Regexp(t, `^[A-Z][A-Z0-9]{9}$`, tx.Receipt)

		// The JSON types a client must cope with.
		dec := json.NewDecoder(strings.NewReader(cb.Body))
		dec.UseNumber()
		var env struct {
			Body struct {
				StkCallback struct {
					ResultCode       any
					CallbackMetadata struct {
						Item []struct {
							Name  string
							Value any
						}
					}
				} `json:"stkCallback"`
			}
		}
		require.NoError(t, dec.Decode(&env))
		require.Equal(t, json.Number("0"), env.Body.StkCallback.ResultCode)
		items := env.Body.StkCallback.CallbackMetadata.Item
		require.Equal(t, json.Number("1.00"), items[0].Value)
		require.Equal(t, json.Number("20191219102115"), items[2].Value)
		require.Equal(t, json.Number("254712345678"), items[3].Value)

		tx = b.waitCallbacks(t, tx.CheckoutRequestID, 1)
		require.Equal(t, http.StatusOK, tx.Callbacks[0].StatusCode)
		require.Empty(t, tx.Callbacks[0].Error)
	})

	t.Run("AmountHasTwoDecimals", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		resp := b.push(t, b.token(t), b.pushBody(map[string]any{"Amount": 1500}))
		cb := b.receiver.next(t)
		tx := b.waitState(t, resp.CheckoutRequestID, StateSucceeded)
		require.Equal(t, successBody(tx, "1500.00"), cb.Body)
	})

	failures := []struct {
		phone, code, desc string
		state             State
	}{
		{PhoneNoAnswer, "1037", "DS timeout user cannot be reached", StateTimedOut},
		{PhoneInsufficientFunds, "1", "The balance is insufficient for the transaction.", StateFailed},
		{PhoneCancels, "1032", "Request cancelled by user", StateFailed},
		{PhoneWrongPIN, "2001", "The initiator information is invalid.", StateFailed},
		{PhoneOperatorError, `"SFC_IC0003"`, "The operator does not exist", StateFailed},
	}
	for _, f := range failures {
		t.Run("Failure"+f.phone, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{})
			resp := b.push(t, b.token(t), b.phoneBody(f.phone))
			cb := b.receiver.next(t)
			tx := b.waitState(t, resp.CheckoutRequestID, f.state)
			require.Equal(t, failureBody(tx, f.code, f.desc), cb.Body)
			require.Equal(t, strings.Trim(f.code, `"`), tx.ResultCode)
			require.Empty(t, tx.Receipt)
		})
	}

	t.Run("NotRetriedWhenTheReceiverAnswers500", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		b.receiver.status.Store(http.StatusInternalServerError)
		resp := b.push(t, b.token(t), b.pushBody(nil))
		b.receiver.next(t)
		b.receiver.none(t, 300*time.Millisecond)
		tx := b.waitCallbacks(t, resp.CheckoutRequestID, 1)
		require.Equal(t, http.StatusInternalServerError, tx.Callbacks[0].StatusCode)
	})

	t.Run("UnreachableReceiverIsRecorded", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		resp := b.push(t, b.token(t), b.pushBody(map[string]any{"CallBackURL": "http://127.0.0.1:1/cb"}))
		tx := b.waitCallbacks(t, resp.CheckoutRequestID, 1)
		require.NotEmpty(t, tx.Callbacks[0].Error)
		require.Zero(t, tx.Callbacks[0].StatusCode)
	})

	t.Run("NeverSentForPhoneNoCallback", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		resp := b.push(t, b.token(t), b.phoneBody(PhoneNoCallback))
		tx := b.waitState(t, resp.CheckoutRequestID, StateSucceeded)
		require.NotEmpty(t, tx.Receipt)
		b.receiver.none(t, 200*time.Millisecond)
		tx, _ = b.sim.Transaction(resp.CheckoutRequestID)
		require.Empty(t, tx.Callbacks)
	})

	t.Run("SentTwiceForPhoneDuplicateCallback", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		b.push(t, b.token(t), b.phoneBody(PhoneDuplicateCallback))
		first, second := b.receiver.next(t), b.receiver.next(t)
		require.Equal(t, first.Body, second.Body)
		require.Contains(t, first.Body, `"ResultCode":0,`)
	})

	t.Run("LateForPhoneLateCallback", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{LateCallback: 300 * time.Millisecond})
		tok := b.token(t)
		resp := b.push(t, tok, b.phoneBody(PhoneLateCallback))
		tx := b.waitState(t, resp.CheckoutRequestID, StateSucceeded)
		_, q := b.query(t, tok, resp.CheckoutRequestID)
		require.Equal(t, "0", q["ResultCode"], "the query knows before the callback")
		b.receiver.none(t, 150*time.Millisecond)
		cb := b.receiver.next(t)
		require.Equal(t, successBody(tx, "1.00"), cb.Body)
	})

	t.Run("LegacyFiveItemShape", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		resp := b.push(t, b.token(t), b.phoneBody(PhoneLegacyCallback))
		cb := b.receiver.next(t)
		tx := b.waitState(t, resp.CheckoutRequestID, StateSucceeded)
		require.Equal(t, fmt.Sprintf(`{"Body":{"stkCallback":{"MerchantRequestID":%q,"CheckoutRequestID":%q,"ResultCode":0,"ResultDesc":"The service request is processed successfully.","CallbackMetadata":{"Item":[{"Name":"Amount","Value":1.00},{"Name":"MpesaReceiptNumber","Value":%q},{"Name":"Balance"},{"Name":"TransactionDate","Value":20191219102115},{"Name":"PhoneNumber","Value":254700000009}]}}}}`,
			tx.MerchantRequestID, tx.CheckoutRequestID, tx.Receipt), cb.Body)
	})

	t.Run("WaitsForTheDelay", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{Delay: 300 * time.Millisecond})
		start := time.Now()
		b.push(t, b.token(t), b.pushBody(nil))
		b.receiver.next(t)
		require.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
	})
}

// recordingTransport fails every request and remembers its host: it proves
// whether the simulator tried to reach a host at all.
type recordingTransport struct {
	mu    sync.Mutex
	hosts []string
}

func (rt *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.hosts = append(rt.hosts, r.URL.Host)
	return nil, errors.New("recordingTransport: no network in tests")
}

func (rt *recordingTransport) seen() []string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return append([]string(nil), rt.hosts...)
}

func TestCallbackHostGuard(t *testing.T) {
	t.Parallel()

	t.Run("RefusesNonLoopbackHosts", func(t *testing.T) {
		t.Parallel()
		rt := &recordingTransport{}
		b := setup(t, Config{HTTPClient: &http.Client{Transport: rt}})
		tok := b.token(t)
		for i, u := range []string{
			"https://example.com/cb",
			"http://10.0.0.1/cb",
			"http://localhost.example.com/cb",
			"http://[2001:db8::1]:8080/cb",
		} {
			phone := fmt.Sprintf("25473000000%d", i)
			resp := b.push(t, tok, b.pushBody(map[string]any{"CallBackURL": u, "PartyA": phone, "PhoneNumber": phone}))
			tx := b.waitCallbacks(t, resp.CheckoutRequestID, 1)
			require.Equal(t, 0, tx.Callbacks[0].StatusCode)
			require.Contains(t, tx.Callbacks[0].Error, "is not loopback")
			require.NotEmpty(t, tx.Callbacks[0].Body, "the refused body is kept for inspection")
		}
		require.Empty(t, rt.seen(), "no request may leave for a non-loopback host")
	})

	t.Run("AllowsLoopbackForms", func(t *testing.T) {
		t.Parallel()
		rt := &recordingTransport{}
		b := setup(t, Config{HTTPClient: &http.Client{Transport: rt}})
		tok := b.token(t)
		for i, u := range []string{"http://localhost:9/cb", "http://127.0.0.1:9/cb", "http://127.10.0.3:9/cb", "http://[::1]:9/cb"} {
			phone := fmt.Sprintf("25473000000%d", i)
			b.push(t, tok, b.pushBody(map[string]any{"CallBackURL": u, "PartyA": phone, "PhoneNumber": phone}))
		}
		require.Eventually(t, func() bool { return len(rt.seen()) == 4 }, 5*time.Second, 5*time.Millisecond)
	})

	t.Run("AllowAnyCallbackHostSendsAnywhere", func(t *testing.T) {
		t.Parallel()
		rt := &recordingTransport{}
		b := setup(t, Config{HTTPClient: &http.Client{Transport: rt}, AllowAnyCallbackHost: true})
		b.push(t, b.token(t), b.pushBody(map[string]any{"CallBackURL": "https://example.com/cb"}))
		require.Eventually(t, func() bool { return len(rt.seen()) == 1 }, 5*time.Second, 5*time.Millisecond)
		require.Equal(t, []string{"example.com"}, rt.seen())
	})

	t.Run("DoesNotFollowRedirects", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		redirector := http.NewServeMux()
		redirector.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://example.com/elsewhere", http.StatusTemporaryRedirect)
		})
		srv := newLoopbackServer(t, redirector)
		resp := b.push(t, b.token(t), b.pushBody(map[string]any{"CallBackURL": srv + "/cb"}))
		tx := b.waitCallbacks(t, resp.CheckoutRequestID, 1)
		require.Equal(t, http.StatusTemporaryRedirect, tx.Callbacks[0].StatusCode)
	})

	t.Run("DefaultDialerRefusesNonLoopbackAddresses", func(t *testing.T) {
		t.Parallel()
		c := callbackClient(nil, false)
		_, err := c.Post("http://192.0.2.1:9/cb", "application/json", strings.NewReader("{}"))
		require.ErrorContains(t, err, "not loopback")
	})
}
