package mpesa

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestQueryStates(t *testing.T) {
	t.Parallel()
	const final = `{"ResponseCode":"0","ResponseDescription":"The service request has been accepted successsfully","MerchantRequestID":"29115-34620561-1","CheckoutRequestID":"ws_CO_191220191020363925","ResultCode":%s,"ResultDesc":%q}`
	for _, tc := range []struct {
		name   string
		reply  answer
		state  QueryState
		code   string
		result ResultKind
	}{
		{"FinalPaidStringCode", answer{200, sprintf(final, `"0"`, "The service request is processed successfully.")}, QueryFinal, "0", ResultSuccess},
		{"FinalCancelledStringCode", answer{200, sprintf(final, `"1032"`, "Request cancelled by user")}, QueryFinal, "1032", ResultFailed},
		{"FinalNumericCode", answer{200, sprintf(final, `1037`, "DS timeout user cannot be reached")}, QueryFinal, "1037", ResultTimedOut},
		{"FinalUnknownCodeStaysUnknown", answer{200, sprintf(final, `"7777"`, "New thing")}, QueryFinal, "7777", ResultUnknown},
		{"PendingBeingProcessed", daraja(500, "500.001.1001", "The transaction is being processed"), QueryPending, "", ResultUnknown},
		{"Pending4999", answer{200, sprintf(final, `"4999"`, "The transaction is still under processing")}, QueryPending, "4999", ResultPending},
		{"PendingEmptyMessageUnder200", daraja(200, "500.001.1001", ""), QueryPending, "", ResultUnknown},
		{"PendingEmptyMessageUnder500", daraja(500, "500.001.1001", ""), QueryPending, "", ResultUnknown},
		{"PendingIntermittentOtherText", daraja(500, "500.001.1001", "Unable to lock subscriber, a transaction is already in process for the current subscriber"), QueryPending, "", ResultUnknown},
		{"TransactionDoesNotExist", daraja(500, "500.001.1001", "The transaction does not Exist"), QueryUnknownTransaction, "", ResultUnknown},
		{"InvalidCheckoutRequestID", daraja(400, "400.002.02", "Bad Request - Invalid CheckoutRequestID"), QueryUnknownTransaction, "", ResultUnknown},
		{"WrongCredentials", daraja(500, "500.001.1001", "Wrong credentials"), QueryConfigError, "", ResultUnknown},
		{"MerchantDoesNotExist", daraja(500, "500.001.1001", "Merchant does not exist"), QueryConfigError, "", ResultUnknown},
		{"InvalidBusinessShortCode", daraja(400, "400.002.02", "Bad Request - Invalid BusinessShortCode"), QueryConfigError, "", ResultUnknown},
		{"ResourceNotFound", daraja(404, "404.001.01", "Resource not found"), QueryConfigError, "", ResultUnknown},
		{"SpikeArrest", daraja(500, "500.003.02", "Spike Arrest Violation"), QueryThrottled, "", ResultUnknown},
		{"Quota", daraja(500, "500.003.03", "Quota Violation"), QueryThrottled, "", ResultUnknown},
		{"TooManyRequests", answer{429, ``}, QueryThrottled, "", ResultUnknown},
		{"InternalServerError", daraja(500, "500.003.1001", "Internal Server Error"), QueryTransient, "", ResultUnknown},
		{"HTML", answer{502, `<html>Bad Gateway</html>`}, QueryTransient, "", ResultUnknown},
		{"EmptyOK", answer{200, `{}`}, QueryTransient, "", ResultUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cr := paybillCreds()
			f := newFakeDaraja(t, cr)
			f.query = func(int, map[string]any) answer { return tc.reply }
			c := newTestClient(f, nil)
			q, err := c.Query(t.Context(), cr, "ws_CO_191220191020363925")
			require.NoError(t, err)
			require.Equal(t, tc.state, q.State, "got %s: %+v", q.State, q)
			require.Equal(t, tc.code, q.ResultCode)
			require.Equal(t, tc.result, q.Result().Kind)
			require.Equal(t, tc.reply.status, q.HTTPStatus)
		})
	}
}

// sprintf keeps table rows short.
func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func TestQueryRequest(t *testing.T) {
	t.Parallel()
	cr := tillCreds()
	f := newFakeDaraja(t, cr)
	now := fixedNow()
	c := newTestClient(f, nil)
	c.now = func() time.Time { now = now.Add(time.Minute); return now }

	for i, ts := range []string{"20261204003100", "20261204003200"} {
		_, err := c.Query(t.Context(), cr, "ws_CO_1")
		require.NoError(t, err)
		f.mu.Lock()
		got := f.queries[i].body
		f.mu.Unlock()
		require.Equal(t, map[string]any{
			"BusinessShortCode": "7654321",
			"Password":          Password("7654321", "till-passkey", ts),
			"Timestamp":         ts, // fresh for every query
			"CheckoutRequestID": "ws_CO_1",
		}, got)
	}
}

func TestQueryInvalidAccessTokenRemintsOnce(t *testing.T) {
	t.Parallel()
	cr := paybillCreds()
	f := newFakeDaraja(t, cr)
	c := newTestClient(f, nil)
	_, err := c.Token(t.Context(), cr)
	require.NoError(t, err)
	f.revoke()
	q, err := c.Query(t.Context(), cr, "ws_CO_1")
	require.NoError(t, err)
	require.Equal(t, QueryFinal, q.State)
	mints, _, queries := f.counts()
	require.Equal(t, 2, mints)
	require.Equal(t, 2, queries)
}

func TestQueryRefusalsAndFailures(t *testing.T) {
	t.Parallel()
	t.Run("EmptyCheckoutRequestID", func(t *testing.T) {
		t.Parallel()
		f := newFakeDaraja(t, paybillCreds())
		q, err := newTestClient(f, nil).Query(t.Context(), paybillCreds(), "")
		require.ErrorIs(t, err, ErrInvalidRequest)
		require.Equal(t, QueryNoAnswer, q.State)
	})
	t.Run("InvalidCredentials", func(t *testing.T) {
		t.Parallel()
		cr := paybillCreds()
		f := newFakeDaraja(t, cr)
		cr.Passkey = ""
		q, err := newTestClient(f, nil).Query(t.Context(), cr, "ws_CO_1")
		require.ErrorIs(t, err, ErrConfig)
		require.Equal(t, QueryConfigError, q.State)
	})
	t.Run("WrongConsumerSecret", func(t *testing.T) {
		t.Parallel()
		cr := paybillCreds()
		f := newFakeDaraja(t, cr)
		cr.ConsumerSecret = "nope"
		q, err := newTestClient(f, nil).Query(t.Context(), cr, "ws_CO_1")
		require.NoError(t, err)
		require.Equal(t, QueryConfigError, q.State)
	})
	t.Run("Timeout", func(t *testing.T) {
		t.Parallel()
		cr := paybillCreds()
		f := newFakeDaraja(t, cr)
		f.delay = 500 * time.Millisecond
		c := NewClient(Options{BaseURL: f.srv.URL, HTTPClient: &http.Client{Timeout: 100 * time.Millisecond}})
		q, err := c.Query(t.Context(), cr, "ws_CO_1")
		require.Error(t, err)
		require.Equal(t, QueryNoAnswer, q.State)
	})
	t.Run("StateStrings", func(t *testing.T) {
		t.Parallel()
		for s, name := range map[QueryState]string{
			QueryNoAnswer: "no_answer", QueryFinal: "final", QueryPending: "pending",
			QueryUnknownTransaction: "unknown_transaction", QueryConfigError: "config_error",
			QueryThrottled: "throttled", QueryTransient: "transient",
		} {
			require.Equal(t, name, s.String())
		}
	})
}
