package simulator

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const behavioursPath = "/simulator/v1/behaviours"

func TestBehaviourAPI(t *testing.T) {
	t.Parallel()

	t.Run("PutGetListDeleteExactJSON", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		status, raw := b.do(t, http.MethodPut, behavioursPath+"/"+testPhone, nil,
			`{"outcome":"insufficient_funds","delay":"2s","callback":"late","late_by":"90s"}`)
		require.Equal(t, http.StatusOK, status, raw)
		want := `{"msisdn":"254712345678","source":"override","outcome":"insufficient_funds","delay":"2s","callback":"late","late_by":"1m30s"}`
		require.Equal(t, want, raw)

		status, raw = b.do(t, http.MethodGet, behavioursPath+"/"+testPhone, nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, want, raw)

		status, raw = b.do(t, http.MethodPut, behavioursPath+"/254112345678", nil, `{"outcome":"wait"}`)
		require.Equal(t, http.StatusOK, status, raw)
		status, raw = b.do(t, http.MethodGet, behavioursPath, nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, `{"data":[`+
			`{"msisdn":"254112345678","source":"override","outcome":"wait","delay":"0s","callback":"normal"},`+want+`]}`, raw)

		status, raw = b.do(t, http.MethodDelete, behavioursPath+"/"+testPhone, nil, nil)
		require.Equal(t, http.StatusNoContent, status)
		require.Empty(t, raw)
		status, raw = b.do(t, http.MethodDelete, behavioursPath+"/"+testPhone, nil, nil)
		require.Equal(t, http.StatusNotFound, status)
		require.Equal(t, `{"error":"no behaviour is set for this number"}`, raw)
		_, raw = b.do(t, http.MethodGet, behavioursPath+"/"+testPhone, nil, nil)
		require.Equal(t, `{"msisdn":"254712345678","source":"default","outcome":"success","delay":"0s","callback":"normal"}`, raw)
	})

	t.Run("DefaultsComeFromConfig", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{Delay: 3 * time.Second, LateCallback: 5 * time.Second})
		_, raw := b.do(t, http.MethodPut, behavioursPath+"/"+testPhone, nil, `{}`)
		require.Equal(t, `{"msisdn":"254712345678","source":"override","outcome":"success","delay":"3s","callback":"normal"}`, raw)
		_, raw = b.do(t, http.MethodPut, behavioursPath+"/"+testPhone, nil, `{"callback":"late","delay":"0s"}`)
		require.Equal(t, `{"msisdn":"254712345678","source":"override","outcome":"success","delay":"0s","callback":"late","late_by":"5s"}`, raw)
	})

	t.Run("ShowsBuiltinNumbers", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{LateCallback: 2 * time.Second})
		for phone, want := range map[string]string{
			PhoneLateCallback:  `{"msisdn":"254700000006","source":"builtin","outcome":"success","delay":"0s","callback":"late","late_by":"2s"}`,
			PhoneLocked:        `{"msisdn":"254700000008","source":"builtin","outcome":"locked","delay":"0s","callback":"normal"}`,
			PhoneNoAnswer:      `{"msisdn":"254708374149","source":"builtin","outcome":"no_answer","delay":"0s","callback":"normal"}`,
			PhoneOperatorError: `{"msisdn":"254700000010","source":"builtin","outcome":"operator_error","delay":"0s","callback":"normal"}`,
		} {
			status, raw := b.do(t, http.MethodGet, behavioursPath+"/"+phone, nil, nil)
			require.Equal(t, http.StatusOK, status)
			require.Equal(t, want, raw)
		}
	})

	t.Run("BadInputIs400AndChangesNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		for _, tt := range []struct{ phone, body, msg string }{
			{"0712345678", `{}`, `msisdn \"0712345678\" is not a 12-digit`},
			{"254612345678", `{}`, "is not a 12-digit"},
			{testPhone, `{"outcome":"dance"}`, "outcome must be one of"},
			{testPhone, `{"callback":"twice"}`, "callback must be one of"},
			{testPhone, `{"delay":"soon"}`, "delay must be a Go duration"},
			{testPhone, `{"delay":"-1s"}`, "delay must be between 0s and 24h0m0s"},
			{testPhone, `{"delay":"25h"}`, "delay must be between"},
			{testPhone, `{"callback":"late","late_by":"later"}`, "late_by must be a Go duration"},
			{testPhone, `{"callback":"late","late_by":"-5s"}`, "late_by must be between"},
			{testPhone, `{"late_by":"5s"}`, `late_by is only for callback \"late\"`},
			{testPhone, `{"outcome":"success","msisdn":"254712345678"}`, "unknown field"},
			{testPhone, `{"outcome":1}`, "invalid JSON body"},
			{testPhone, `{`, "invalid JSON body"},
			{testPhone, ``, "invalid JSON body"},
		} {
			status, raw := b.do(t, http.MethodPut, behavioursPath+"/"+tt.phone, nil, tt.body)
			require.Equal(t, http.StatusBadRequest, status, tt.body)
			require.Contains(t, raw, `{"error":"`)
			require.Contains(t, raw, tt.msg, tt.body)
		}
		require.Empty(t, b.sim.Behaviours())

		status, raw := b.do(t, http.MethodGet, behavioursPath+"/0712345678", nil, nil)
		require.Equal(t, http.StatusNotFound, status)
		require.Equal(t, `{"error":"not a 12-digit 2547…/2541… number"}`, raw)
	})

	t.Run("GoMethodsValidateAndCopy", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		require.ErrorContains(t, b.sim.SetBehaviour("0712345678", Behaviour{}), "not a 12-digit")
		require.ErrorContains(t, b.sim.SetBehaviour(testPhone, Behaviour{Outcome: "dance"}), "outcome must be one of")
		require.ErrorContains(t, b.sim.SetBehaviour(testPhone, Behaviour{LateBy: time.Second}), "late_by is only for")

		delay := 5 * time.Second
		require.NoError(t, b.sim.SetBehaviour(testPhone, Behaviour{Outcome: OutcomeCancel, Delay: &delay}))
		delay = time.Hour // the simulator kept its own copy
		got := b.sim.Behaviour(testPhone)
		require.Equal(t, 5*time.Second, *got.Delay)
		*got.Delay = time.Minute // and hands out copies
		require.Equal(t, 5*time.Second, *b.sim.Behaviour(testPhone).Delay)
		require.Equal(t, map[string]Behaviour{testPhone: {Outcome: OutcomeCancel, Delay: new(5 * time.Second), Callback: CallbackNormal}},
			b.sim.Behaviours())

		require.True(t, b.sim.ClearBehaviour(testPhone))
		require.False(t, b.sim.ClearBehaviour(testPhone))
		require.Equal(t, Behaviour{Outcome: OutcomeSuccess, Delay: new(time.Duration(0)), Callback: CallbackNormal}, b.sim.Behaviour(testPhone))
	})
}

func TestBehaviourOutcomes(t *testing.T) {
	t.Parallel()

	for _, tt := range []struct {
		outcome Outcome
		code    string
		state   State
	}{
		{OutcomeSuccess, "0", StateSucceeded},
		{OutcomeInsufficientFunds, "1", StateFailed},
		{OutcomeCancel, "1032", StateFailed},
		{OutcomeWrongPIN, "2001", StateFailed},
		{OutcomeNoAnswer, "1037", StateTimedOut},
		{OutcomeOperatorError, "SFC_IC0003", StateFailed},
	} {
		t.Run(string(tt.outcome), func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{})
			status, raw := b.do(t, http.MethodPut, behavioursPath+"/"+testPhone, nil, fmt.Sprintf(`{"outcome":%q}`, tt.outcome))
			require.Equal(t, http.StatusOK, status, raw)
			tok := b.token(t)
			resp := b.push(t, tok, b.pushBody(nil))
			cb := b.receiver.next(t)
			tx := b.waitState(t, resp.CheckoutRequestID, tt.state)
			require.Equal(t, tt.code, tx.ResultCode)
			if tt.state == StateSucceeded {
				require.Equal(t, successBody(tx, "1.00"), cb.Body)
			} else {
				code := tt.code
				if tt.outcome == OutcomeOperatorError {
					code = `"` + code + `"`
				}
				require.Equal(t, failureBody(tx, code, tx.ResultDesc), cb.Body)
			}
			_, q := b.query(t, tok, resp.CheckoutRequestID)
			require.Equal(t, tt.code, q["ResultCode"])
		})
	}

	t.Run("OverridesTheBuiltinTableUntilCleared", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		tok := b.token(t)
		require.NoError(t, b.sim.SetBehaviour(PhoneCancels, Behaviour{}))
		require.NoError(t, b.sim.SetBehaviour(PhoneLocked, Behaviour{Outcome: OutcomeInsufficientFunds}))

		paid := b.push(t, tok, b.phoneBody(PhoneCancels))
		require.Equal(t, "0", b.waitState(t, paid.CheckoutRequestID, StateSucceeded).ResultCode)
		poor := b.push(t, tok, b.phoneBody(PhoneLocked))
		require.Equal(t, "1", b.waitState(t, poor.CheckoutRequestID, StateFailed).ResultCode)

		require.True(t, b.sim.ClearBehaviour(PhoneCancels))
		cancelled := b.push(t, tok, b.phoneBody(PhoneCancels))
		require.Equal(t, "1032", b.waitState(t, cancelled.CheckoutRequestID, StateFailed).ResultCode)
	})

	t.Run("LockedRefusesThePush", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		require.NoError(t, b.sim.SetBehaviour(testPhone, Behaviour{Outcome: OutcomeLocked}))
		status, raw := b.do(t, http.MethodPost, pushPath, bearer(b.token(t)), b.pushBody(nil))
		requireDarajaError(t, status, raw, http.StatusInternalServerError, "500.001.1001",
			"Unable to lock subscriber, a transaction is already in process for the current subscriber")
		require.Empty(t, b.sim.Transactions())
	})

	t.Run("WaitHoldsThePromptForAnAnswer", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		require.NoError(t, b.sim.SetBehaviour(testPhone, Behaviour{Outcome: OutcomeWait, Callback: CallbackDuplicate}))
		resp := b.push(t, b.token(t), b.pushBody(nil))
		b.receiver.none(t, 100*time.Millisecond)
		tx, _ := b.sim.Transaction(resp.CheckoutRequestID)
		require.Equal(t, StatePending, tx.State)
		require.NoError(t, b.sim.Answer(resp.CheckoutRequestID, ActionPIN))
		first, second := b.receiver.next(t), b.receiver.next(t)
		require.Equal(t, first.Body, second.Body)
		require.Contains(t, first.Body, `"ResultCode":0,`)
	})

	t.Run("AppliesToPushesAcceptedAfterwards", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		require.NoError(t, b.sim.SetBehaviour(testPhone, Behaviour{Outcome: OutcomeWait}))
		resp := b.push(t, b.token(t), b.pushBody(nil))
		require.NoError(t, b.sim.SetBehaviour(testPhone, Behaviour{Outcome: OutcomeInsufficientFunds, Callback: CallbackDrop}))
		require.NoError(t, b.sim.Answer(resp.CheckoutRequestID, ActionPIN))
		tx := b.waitState(t, resp.CheckoutRequestID, StateSucceeded)
		require.Equal(t, Behaviour{Outcome: OutcomeWait, Delay: new(time.Duration(0)), Callback: CallbackNormal}, tx.Behaviour)
		b.receiver.next(t)
	})

	t.Run("OwnDelayOverridesConfig", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{Delay: time.Hour})
		tok := b.token(t)
		require.NoError(t, b.sim.SetBehaviour(testPhone, Behaviour{Delay: new(time.Duration(0))}))
		at := b.push(t, tok, b.pushBody(nil))
		b.waitState(t, at.CheckoutRequestID, StateSucceeded)
		b.receiver.next(t)

		require.NoError(t, b.sim.SetBehaviour(PhoneCancels, Behaviour{Outcome: OutcomeCancel, Delay: new(300 * time.Millisecond)}))
		start := time.Now()
		later := b.push(t, tok, b.phoneBody(PhoneCancels))
		status, _ := b.query(t, tok, later.CheckoutRequestID)
		require.Equal(t, http.StatusInternalServerError, status, "still being processed")
		require.Contains(t, b.receiver.next(t).Body, `"ResultCode":1032,`)
		require.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
	})
}

func TestBehaviourCallbacks(t *testing.T) {
	t.Parallel()

	t.Run("Drop", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		tok := b.token(t)
		require.NoError(t, b.sim.SetBehaviour(testPhone, Behaviour{Callback: CallbackDrop}))
		resp := b.push(t, tok, b.pushBody(nil))
		tx := b.waitState(t, resp.CheckoutRequestID, StateSucceeded)
		require.NotEmpty(t, tx.Receipt)
		b.receiver.none(t, 200*time.Millisecond)
		_, q := b.query(t, tok, resp.CheckoutRequestID)
		require.Equal(t, "0", q["ResultCode"], "only the query tells")
		tx, _ = b.sim.Transaction(resp.CheckoutRequestID)
		require.Empty(t, tx.Callbacks)
		require.Zero(t, tx.Chaos, "dropped by behaviour, not by chaos")
	})

	t.Run("LateBy", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{}) // LateCallback stays 90s: late_by wins
		tok := b.token(t)
		require.NoError(t, b.sim.SetBehaviour(testPhone, Behaviour{Outcome: OutcomeCancel, Callback: CallbackLate, LateBy: 300 * time.Millisecond}))
		resp := b.push(t, tok, b.pushBody(nil))
		tx := b.waitState(t, resp.CheckoutRequestID, StateFailed)
		_, q := b.query(t, tok, resp.CheckoutRequestID)
		require.Equal(t, "1032", q["ResultCode"], "the query knows before the callback")
		b.receiver.none(t, 150*time.Millisecond)
		require.Equal(t, failureBody(tx, "1032", "Request cancelled by user"), b.receiver.next(t).Body)
	})

	t.Run("LegacyShape", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		require.NoError(t, b.sim.SetBehaviour(testPhone, Behaviour{Callback: CallbackLegacy}))
		resp := b.push(t, b.token(t), b.pushBody(nil))
		cb := b.receiver.next(t)
		tx := b.waitState(t, resp.CheckoutRequestID, StateSucceeded)
		require.Equal(t, fmt.Sprintf(`{"Body":{"stkCallback":{"MerchantRequestID":%q,"CheckoutRequestID":%q,"ResultCode":0,"ResultDesc":"The service request is processed successfully.","CallbackMetadata":{"Item":[{"Name":"Amount","Value":1.00},{"Name":"MpesaReceiptNumber","Value":%q},{"Name":"Balance"},{"Name":"TransactionDate","Value":20191219102115},{"Name":"PhoneNumber","Value":254712345678}]}}}}`,
			tx.MerchantRequestID, tx.CheckoutRequestID, tx.Receipt), cb.Body)
	})

	t.Run("TransactionRecordsTheBehaviour", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		require.NoError(t, b.sim.SetBehaviour(testPhone, Behaviour{Callback: CallbackDrop}))
		resp := b.push(t, b.token(t), b.pushBody(nil))
		b.waitState(t, resp.CheckoutRequestID, StateSucceeded)
		_, raw := b.do(t, http.MethodGet, "/simulator/v1/transactions/"+resp.CheckoutRequestID, nil, nil)
		require.Contains(t, raw, `"callbacks":[],"behaviour":{"outcome":"success","delay":"0s","callback":"drop"},`+
			`"chaos":{"callbacks_dropped":0,"callbacks_duplicated":0,"queries_spike_arrested":0}}`)
	})
}

func TestBehaviourPages(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	require.NoError(t, b.sim.SetBehaviour(testPhone, Behaviour{Outcome: OutcomeInsufficientFunds, Callback: CallbackLate, LateBy: time.Minute}))

	_, page := getPage(t, b.srv.Client(), b.srv.URL+"/simulator/phone/"+testPhone)
	require.Contains(t, page, "This number: set through the control API: insufficient_funds after 0s, callback late by 1m0s.")
	_, page = getPage(t, b.srv.Client(), b.srv.URL+"/simulator")
	require.Contains(t, page, "Behaviours set through the control API")
	require.Contains(t, page, `<a href="/simulator/phone/254712345678">254712345678</a>: insufficient_funds after 0s, callback late by 1m0s`)
	require.NotContains(t, page, "Chaos:")

	require.NoError(t, b.sim.SetBehaviour(testPhone, Behaviour{Outcome: OutcomeWait}))
	b.push(t, b.token(t), b.pushBody(nil))
	_, page = getPage(t, b.srv.Client(), b.srv.URL+"/simulator/phone/"+testPhone)
	require.NotContains(t, page, `http-equiv="refresh"`, "a prompt waiting for the human stops the refresh")
	require.Contains(t, page, `name="pin"`)
}
