package contract

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/mpesa/simulator"
)

// receiver is a merchant's callback URL that records what Daraja posts.
type receiver struct {
	url    string
	status int
	mu     sync.Mutex
	got    []received
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, status int) *receiver {
	t.Helper()
	r := &receiver{status: status}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{header: req.Header.Clone(), body: body})
		r.mu.Unlock()
		w.WriteHeader(r.status)
	}))
	t.Cleanup(srv.Close)
	r.url = srv.URL + "/callbacks/stk/contract"
	return r
}

func (r *receiver) callbacks() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// wait returns the callbacks once there are n.
func (r *receiver) wait(t *testing.T, n int) []received {
	t.Helper()
	require.Eventually(t, func() bool { return len(r.callbacks()) >= n }, 10*time.Second, 10*time.Millisecond,
		"%d callback(s)", n)
	return r.callbacks()
}

// callback is the callback JSON with its raw values kept, to check types.
type callback struct {
	Body struct {
		StkCallback struct {
			MerchantRequestID string          `json:"MerchantRequestID"`
			CheckoutRequestID string          `json:"CheckoutRequestID"`
			ResultCode        json.RawMessage `json:"ResultCode"`
			ResultDesc        string          `json:"ResultDesc"`
			CallbackMetadata  *struct {
				Item []map[string]json.RawMessage `json:"Item"`
			} `json:"CallbackMetadata"`
		} `json:"stkCallback"`
	} `json:"Body"`
}

func decodeCallback(t *testing.T, raw []byte) callback {
	t.Helper()
	var cb callback
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&cb), "%s", raw)
	return cb
}

// item returns the raw Value of the metadata item named name.
func (cb callback) item(t *testing.T, name string) json.RawMessage {
	t.Helper()
	require.NotNil(t, cb.Body.StkCallback.CallbackMetadata)
	for _, it := range cb.Body.StkCallback.CallbackMetadata.Item {
		if string(it["Name"]) == `"`+name+`"` {
			return it["Value"]
		}
	}
	require.Failf(t, "no item", "%s", name)
	return nil
}

// scenario is one push to a test number through the simulator.
type scenario struct {
	tg   *target
	auth string
}

func (s scenario) push(t *testing.T, phone, callbackURL string) accepted {
	t.Helper()
	b := s.tg.pushBody()
	b["PartyA"], b["PhoneNumber"], b["CallBackURL"] = phone, phone, callbackURL
	return requireAccepted(t, s.tg.do(t, http.MethodPost, pushPath, s.auth, b), phone, time.Now())
}

// final queries push until its answer is final.
func (s scenario) final(t *testing.T, push accepted) map[string]any {
	t.Helper()
	return s.finalAt(t, s.tg.shortcode, push)
}

// finalAt queries push, made under shortcode, until its answer is final.
func (s scenario) finalAt(t *testing.T, shortcode string, push accepted) map[string]any {
	t.Helper()
	var final map[string]any
	require.Eventually(t, func() bool {
		q := s.tg.do(t, http.MethodPost, queryPath, s.auth, queryBody(shortcode, s.tg.passkey, push.checkoutID))
		final, _ = queryAnswer(t, q, push, false)
		return final != nil
	}, 10*time.Second, 20*time.Millisecond)
	return final
}

func (s scenario) transaction(t *testing.T, id string) simulator.Transaction {
	t.Helper()
	a := s.tg.do(t, http.MethodGet, "/simulator/v1/transactions/"+id, "", nil)
	require.Equal(t, http.StatusOK, a.status, "%s", a.raw)
	var tx simulator.Transaction
	require.NoError(t, json.Unmarshal(a.raw, &tx))
	return tx
}

func (s scenario) answer(t *testing.T, id, action string) {
	t.Helper()
	a := s.tg.do(t, http.MethodPost, "/simulator/v1/transactions/"+id+"/answer", "", map[string]string{"action": action})
	require.Equal(t, http.StatusOK, a.status, "%s", a.raw)
}

// TestSimulatorScenarios checks what only the simulator does: its test
// numbers, the callbacks it sends, and the control API that answers a
// prompt. One token is minted for all, so the cases can run in parallel.
func TestSimulatorScenarios(t *testing.T) {
	t.Parallel()
	tg := simulatorTarget(t, simulator.Config{LateCallback: 2 * time.Second})
	s := scenario{tg: tg, auth: tg.bearer(t)}

	t.Run("CallbackShape", func(t *testing.T) {
		t.Parallel()
		rcv := newReceiver(t, http.StatusOK)
		push := s.push(t, "254711000001", rcv.url)
		got := rcv.wait(t, 1)[0]
		require.Equal(t, "application/json;charset=UTF-8", got.header.Get("Content-Type"))
		require.Equal(t, tg.shortcode, got.header.Get("BusinessShortCode"))
		require.Empty(t, got.header.Get("Authorization"), "callbacks are not signed")
		full := decodeCallback(t, got.body)
		cb := full.Body.StkCallback
		require.Equal(t, push.checkoutID, cb.CheckoutRequestID)
		require.Equal(t, push.merchantID, cb.MerchantRequestID)
		require.Equal(t, "0", string(cb.ResultCode), "a JSON number")
		require.Equal(t, "The service request is processed successfully.", cb.ResultDesc)
		require.Len(t, cb.CallbackMetadata.Item, 4)
		require.Equal(t, "1.00", string(full.item(t, "Amount")), "a decimal number")
		require.Regexp(t, `^"[A-Z][A-Z0-9]{9}"$`, string(full.item(t, "MpesaReceiptNumber")))
		date := string(full.item(t, "TransactionDate"))
		require.Regexp(t, `^\d{14}$`, date, "a 14-digit number")
		at, err := time.ParseInLocation("20060102150405", date, nairobi)
		require.NoError(t, err)
		require.WithinDuration(t, time.Now(), at, time.Minute, "Nairobi time")
		require.Equal(t, "254711000001", string(full.item(t, "PhoneNumber")), "a 12-digit number")

		final := s.final(t, push)
		require.Equal(t, "0", final["ResultCode"])
	})

	t.Run("ACallbackIsSentOnceAndNeverRetried", func(t *testing.T) {
		t.Parallel()
		rcv := newReceiver(t, http.StatusInternalServerError)
		push := s.push(t, "254711000002", rcv.url)
		rcv.wait(t, 1)
		time.Sleep(time.Second)
		require.Len(t, rcv.callbacks(), 1, "a receiver answering 500 gets nothing more")
		tx := s.transaction(t, push.checkoutID)
		require.Len(t, tx.Callbacks, 1)
		require.Equal(t, http.StatusInternalServerError, tx.Callbacks[0].StatusCode)
	})

	t.Run("TestNumbersEndWithTheirResultCode", func(t *testing.T) {
		t.Parallel()
		for phone, code := range map[string]string{
			simulator.PhoneNoAnswer:          "1037",
			simulator.PhoneInsufficientFunds: "1",
			simulator.PhoneCancels:           "1032",
			simulator.PhoneWrongPIN:          "2001",
			simulator.PhoneOperatorError:     "SFC_IC0003",
		} {
			rcv := newReceiver(t, http.StatusOK)
			push := s.push(t, phone, rcv.url)
			cb := decodeCallback(t, rcv.wait(t, 1)[0].body).Body.StkCallback
			want := code
			if code == "SFC_IC0003" {
				want = `"SFC_IC0003"` // a JSON string, where the others are numbers
			}
			require.Equal(t, want, string(cb.ResultCode), phone)
			require.Nil(t, cb.CallbackMetadata, "a failure has no metadata: %s", phone)
			require.Equal(t, code, s.final(t, push)["ResultCode"], phone)
		}
	})

	t.Run("ALockedSubscriberIsRefusedAtPush", func(t *testing.T) {
		t.Parallel()
		b := tg.pushBody()
		b["PartyA"], b["PhoneNumber"] = simulator.PhoneLocked, simulator.PhoneLocked
		requireDarajaError(t, tg.do(t, http.MethodPost, pushPath, s.auth, b), http.StatusInternalServerError, "500.001.1001",
			"Unable to lock subscriber, a transaction is already in process for the current subscriber")
	})

	t.Run("AWaitingPromptLocksThePhoneAndQueriesRotateThePendingShapes", func(t *testing.T) {
		t.Parallel()
		rcv := newReceiver(t, http.StatusOK)
		push := s.push(t, simulator.PhoneWaits, rcv.url)
		b := tg.pushBody()
		b["PartyA"], b["PhoneNumber"] = simulator.PhoneWaits, simulator.PhoneWaits
		requireDarajaError(t, tg.do(t, http.MethodPost, pushPath, s.auth, b), http.StatusInternalServerError, "500.001.1001",
			"Unable to lock subscriber, a transaction is already in process for the current subscriber")

		shapes := map[string]int{}
		for range 9 {
			final, shape := queryAnswer(t, tg.do(t, http.MethodPost, queryPath, s.auth, tg.queryBody(push.checkoutID)), push, false)
			require.Nil(t, final, "nobody has answered yet")
			shapes[shape]++
		}
		for _, shape := range []string{shapeBeingProcessed, shapeStillUnder, shapeEmptyMessage} {
			require.Positive(t, shapes[shape], "seen: %v", shapes)
		}
		require.Empty(t, rcv.callbacks())

		s.answer(t, push.checkoutID, "pin")
		require.Equal(t, "0", s.final(t, push)["ResultCode"])
		rcv.wait(t, 1)
		again := s.push(t, simulator.PhoneWaits, rcv.url)
		s.answer(t, again.checkoutID, "cancel")
		require.Equal(t, "1032", s.final(t, again)["ResultCode"])
	})

	t.Run("NoCallbackOnlyTheQueryTells", func(t *testing.T) {
		t.Parallel()
		rcv := newReceiver(t, http.StatusOK)
		push := s.push(t, simulator.PhoneNoCallback, rcv.url)
		require.Equal(t, "0", s.final(t, push)["ResultCode"])
		time.Sleep(500 * time.Millisecond)
		require.Empty(t, rcv.callbacks())
		require.Empty(t, s.transaction(t, push.checkoutID).Callbacks)
	})

	t.Run("DuplicateCallback", func(t *testing.T) {
		t.Parallel()
		rcv := newReceiver(t, http.StatusOK)
		s.push(t, simulator.PhoneDuplicateCallback, rcv.url)
		got := rcv.wait(t, 2)
		require.Equal(t, got[0].body, got[1].body, "the same callback twice")
	})

	t.Run("LateCallbackComesAfterTheQuerySaysPaid", func(t *testing.T) {
		t.Parallel()
		rcv := newReceiver(t, http.StatusOK)
		push := s.push(t, simulator.PhoneLateCallback, rcv.url)
		require.Equal(t, "0", s.final(t, push)["ResultCode"])
		require.Empty(t, rcv.callbacks(), "the callback is still to come")
		rcv.wait(t, 1)
	})

	t.Run("LegacyCallbackHasABalanceItemWithoutValue", func(t *testing.T) {
		t.Parallel()
		rcv := newReceiver(t, http.StatusOK)
		s.push(t, simulator.PhoneLegacyCallback, rcv.url)
		cb := decodeCallback(t, rcv.wait(t, 1)[0].body)
		items := cb.Body.StkCallback.CallbackMetadata.Item
		require.Len(t, items, 5)
		var balance map[string]json.RawMessage
		for _, it := range items {
			if string(it["Name"]) == `"Balance"` {
				balance = it
			}
		}
		require.NotNil(t, balance)
		_, hasValue := balance["Value"]
		require.False(t, hasValue, `{"Name":"Balance"} has no Value`)
		require.Equal(t, "1.00", string(cb.item(t, "Amount")))
	})

	t.Run("TillPushesUseTheStoreNumberAndTheTill", func(t *testing.T) {
		t.Parallel()
		ts := timestamp()
		b := tg.pushBody()
		b["BusinessShortCode"], b["PartyB"] = simulator.DefaultTillStore, simulator.DefaultTill
		b["TransactionType"], b["Timestamp"] = "CustomerBuyGoodsOnline", ts
		b["Password"] = password(simulator.DefaultTillStore, simulator.SandboxPasskey, ts)
		b["PartyA"], b["PhoneNumber"] = "254711000003", "254711000003"
		push := requireAccepted(t, tg.do(t, http.MethodPost, pushPath, s.auth, b), "254711000003", time.Now())
		require.Equal(t, "0", s.finalAt(t, simulator.DefaultTillStore, push)["ResultCode"])

		b["TransactionType"], b["PartyB"] = "CustomerPayBillOnline", simulator.DefaultTillStore
		b["PartyA"], b["PhoneNumber"] = "254711000004", "254711000004"
		push = requireAccepted(t, tg.do(t, http.MethodPost, pushPath, s.auth, b), "254711000004", time.Now())
		require.Equal(t, "2028", s.finalAt(t, simulator.DefaultTillStore, push)["ResultCode"],
			"a paybill push to a till is accepted, then not permitted by product assignment")
	})

	t.Run("NumbersAndStringsAreBothAccepted", func(t *testing.T) {
		t.Parallel()
		b := tg.pushBody()
		for _, f := range []string{"BusinessShortCode", "Amount", "PartyA", "PartyB", "PhoneNumber"} {
			b[f] = json.Number(b[f].(string))
		}
		b["PartyA"], b["PhoneNumber"] = json.Number("254711000005"), json.Number("254711000005")
		requireAccepted(t, tg.do(t, http.MethodPost, pushPath, s.auth, b), "254711000005", time.Now())
	})

	t.Run("ValuesAtTheDocumentedLimitsAreAccepted", func(t *testing.T) {
		t.Parallel()
		b := tg.pushBody()
		b["PartyA"], b["PhoneNumber"] = "254711000008", "254711000008"
		b["Amount"], b["AccountReference"], b["TransactionDesc"] = "250000", "ABCDEF-12345", "Thirteen char"
		requireAccepted(t, tg.do(t, http.MethodPost, pushPath, s.auth, b), "254711000008", time.Now())
	})

	t.Run("AnAccountReferenceOfFifteenIsAcceptedAsSeenOnTheSandbox", func(t *testing.T) {
		t.Parallel()
		b := tg.pushBody()
		b["PartyA"], b["PhoneNumber"] = "254711000009", "254711000009"
		b["AccountReference"] = "ABCDEFGHIJ-1234"
		requireAccepted(t, tg.do(t, http.MethodPost, pushPath, s.auth, b), "254711000009", time.Now())
		b["AccountReference"] = "ABCDEFGHIJ-12345"
		requireDarajaError(t, tg.do(t, http.MethodPost, pushPath, s.auth, b), http.StatusBadRequest, "400.002.02",
			"Bad Request - Invalid AccountReference")
	})

	t.Run("TwoPushesWithTheSameAccountReferenceBothSucceed", func(t *testing.T) {
		t.Parallel()
		rcv := newReceiver(t, http.StatusOK)
		first, second := s.push(t, "254711000006", rcv.url), s.push(t, "254711000007", rcv.url)
		require.NotEqual(t, first.checkoutID, second.checkoutID)
	})

	t.Run("ATimestampInUTCIsInvalid", func(t *testing.T) {
		t.Parallel()
		ts := time.Now().UTC().Format("20060102150405")
		b := tg.pushBody()
		b["Timestamp"], b["Password"] = ts, password(tg.shortcode, tg.passkey, ts)
		requireDarajaError(t, tg.do(t, http.MethodPost, pushPath, s.auth, b), http.StatusBadRequest, "400.002.02",
			"Bad Request - Invalid Timestamp")
	})
}
