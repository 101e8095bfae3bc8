package mpesa

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPushBody(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name            string
		creds           Credentials
		transactionType string
		partyB          string
	}{
		{"Paybill", paybillCreds(), "CustomerPayBillOnline", "174379"},
		{"Till", tillCreds(), "CustomerBuyGoodsOnline", "123456"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeDaraja(t, tc.creds)
			c := newTestClient(f, nil)
			res, err := c.Push(t.Context(), tc.creds, validPush())
			require.NoError(t, err)
			require.Equal(t, OutcomeAccepted, res.Outcome)
			require.Equal(t, "ws_CO_03122026103000001708374149", res.CheckoutRequestID)
			require.Equal(t, "29115-34620561-1", res.MerchantRequestID)

			got := f.lastPush(t)
			require.Equal(t, "application/json", got.contentType)
			require.Regexp(t, `^Bearer tok\d{25}$`, got.auth)
			want := map[string]any{
				"BusinessShortCode": tc.creds.Shortcode,
				"Password":          Password(tc.creds.Shortcode, tc.creds.Passkey, "20261204003000"),
				"Timestamp":         "20261204003000",
				"TransactionType":   tc.transactionType,
				"Amount":            float64(10), // a JSON number, not a string
				"PartyA":            "254708374149",
				"PartyB":            tc.partyB,
				"PhoneNumber":       "254708374149",
				"CallBackURL":       "https://pay.sokohub.test/callbacks/stk/abc123",
				"AccountReference":  "Order 1042",
				"TransactionDesc":   "Duka la Mama",
			}
			require.Equal(t, want, got.body)
		})
	}
}

func TestPushClassification(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		reply   answer
		outcome Outcome
		field   string
	}{
		{"Accepted", acceptedAnswer(0), OutcomeAccepted, ""},
		{"AcceptedNumericResponseCode", answer{200, `{"MerchantRequestID":"m","CheckoutRequestID":"ws_CO_1","ResponseCode":0,"ResponseDescription":"Success. Request accepted for processing"}`}, OutcomeAccepted, ""},
		{"InvalidPhoneNumber", daraja(400, "400.002.02", "Bad Request - Invalid PhoneNumber"), OutcomeRejected, "PhoneNumber"},
		{"InvalidCallBackURL", daraja(400, "400.002.02", "Bad Request - Invalid CallBackURL"), OutcomeRejected, "CallBackURL"},
		{"InvalidAmount", daraja(400, "400.002.02", "Bad Request - Invalid Amount"), OutcomeRejected, "Amount"},
		{"InvalidRemarks", daraja(400, "400.002.02", "Bad Request - Invalid Remarks"), OutcomeRejected, "Remarks"},
		{"InvalidBusinessShortCode", daraja(400, "400.002.02", "Bad Request - Invalid BusinessShortCode"), OutcomeRejected, "BusinessShortCode"},
		{"InvalidTimestamp", daraja(400, "400.002.02", "Bad Request - Invalid Timestamp"), OutcomeRejected, "Timestamp"},
		{"ResourceNotFound", daraja(404, "404.001.01", "Resource not found"), OutcomeConfigError, ""},
		{"MethodNotAllowed", daraja(405, "405.001", "Method Not Allowed"), OutcomeConfigError, ""},
		{"MerchantDoesNotExist", daraja(500, "500.001.1001", "Merchant does not exist"), OutcomeConfigError, ""},
		{"WrongCredentials", daraja(500, "500.001.1001", "Wrong credentials"), OutcomeConfigError, ""},
		{"UnableToLockSubscriber", daraja(500, "500.001.1001", "Unable to lock subscriber, a transaction is already in process for the current subscriber"), OutcomeSubscriberBusy, ""},
		{"Other5001001", daraja(500, "500.001.1001", "Something else"), OutcomeTransient, ""},
		{"SystemBusy", daraja(500, "500.003.02", "System is busy. Please try again in few minutes."), OutcomeThrottled, ""},
		{"SpikeArrest", daraja(500, "500.003.02", "Spike Arrest Violation"), OutcomeThrottled, ""},
		{"QuotaViolation", daraja(500, "500.003.03", "Quota Violation"), OutcomeThrottled, ""},
		{"InternalServerError", daraja(500, "500.003.1001", "Internal Server Error"), OutcomeTransient, ""},
		{"ProductAssignment2028", daraja(500, "2028", "The request is not permitted according to product assignment"), OutcomeConfigError, ""},
		{"OperatorSFC_IC0003", daraja(400, "SFC_IC0003", "Operator does not exist"), OutcomeConfigError, ""},
		{"TooManyRequests", answer{429, `Too Many Requests`}, OutcomeThrottled, ""},
		{"Unknown5xx", daraja(503, "503.000.01", "Service Unavailable"), OutcomeTransient, ""},
		{"HTMLGatewayError", answer{502, `<html><body>Bad Gateway</body></html>`}, OutcomeTransient, ""},
		{"EmptyBody", answer{500, ``}, OutcomeTransient, ""},
		{"UnparseableOK", answer{200, `not json`}, OutcomeTransient, ""},
		{"OKWithoutCheckoutID", answer{200, `{"ResponseCode":"0","ResponseDescription":"Success"}`}, OutcomeTransient, ""},
		{"OKNonZeroResponseCode", answer{200, `{"ResponseCode":"1","ResponseDescription":"Rejected"}`}, OutcomeRejected, ""},
		{"Unknown4xx", daraja(400, "400.002.05", "Invalid Request Payload"), OutcomeRejected, "Request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cr := paybillCreds()
			f := newFakeDaraja(t, cr)
			f.push = func(int, map[string]any) answer { return tc.reply }
			c := newTestClient(f, nil)
			res, err := c.Push(t.Context(), cr, validPush())
			require.NoError(t, err)
			require.Equal(t, tc.outcome, res.Outcome, "got %s: %+v", res.Outcome, res)
			require.Equal(t, tc.field, res.Field)
			require.Equal(t, tc.reply.status, res.HTTPStatus)
			if tc.outcome == OutcomeSubscriberBusy {
				require.Equal(t, time.Minute, res.RetryAfter)
			}
			if tc.outcome != OutcomeAccepted {
				require.Empty(t, res.CheckoutRequestID)
			}
		})
	}
	t.Run("KeepsDarajaFields", func(t *testing.T) {
		t.Parallel()
		res := classifyPush(exchange{500, []byte(`{"requestId":"1234-5678","errorCode":"500.001.1001","errorMessage":"Wrong credentials"}`)})
		require.Equal(t, PushResult{Outcome: OutcomeConfigError, HTTPStatus: 500, ErrorCode: "500.001.1001", Message: "Wrong credentials", RequestID: "1234-5678"}, res)
	})
}

// daraja is Daraja's error shape.
func daraja(status int, code, msg string) answer {
	b, _ := json.Marshal(map[string]string{"requestId": "16813-1590513-1", "errorCode": code, "errorMessage": msg})
	return answer{status, string(b)}
}

func TestPushInvalidAccessTokenRemintsOnce(t *testing.T) {
	t.Parallel()
	spellings := []struct {
		name  string
		reply answer
	}{
		{"404.001.03", daraja(404, "404.001.03", "Invalid Access Token")},
		{"400.003.01", daraja(400, "400.003.01", "Invalid Access Token")},
		{"401.002.01", daraja(401, "401.002.01", "Error Occurred - Invalid Access Token")},
		{"401.003.01", daraja(401, "401.003.01", "Error Occurred - Invalid Access Token")},
		{"Plain401", answer{401, ``}},
	}
	for _, sp := range spellings {
		t.Run("Recovers"+sp.name, func(t *testing.T) {
			t.Parallel()
			cr := paybillCreds()
			f := newFakeDaraja(t, cr)
			f.push = func(n int, _ map[string]any) answer {
				if n == 0 {
					return sp.reply // Daraja refuses the first, otherwise valid, token
				}
				return acceptedAnswer(n)
			}
			c := newTestClient(f, nil)
			res, err := c.Push(t.Context(), cr, validPush())
			require.NoError(t, err)
			require.Equal(t, OutcomeAccepted, res.Outcome)
			mints, pushes, _ := f.counts()
			require.Equal(t, 2, mints, "exactly one re-mint")
			require.Equal(t, 2, pushes, "exactly one retry")

			// The fresh token is cached: the next push mints nothing.
			_, err = c.Push(t.Context(), cr, validPush())
			require.NoError(t, err)
			mints, pushes, _ = f.counts()
			require.Equal(t, 2, mints)
			require.Equal(t, 3, pushes)
		})
		t.Run("GivesUpAfterOneRetry"+sp.name, func(t *testing.T) {
			t.Parallel()
			cr := paybillCreds()
			f := newFakeDaraja(t, cr)
			f.push = func(int, map[string]any) answer { return sp.reply }
			c := newTestClient(f, nil)
			res, err := c.Push(t.Context(), cr, validPush())
			require.NoError(t, err)
			require.Equal(t, OutcomeTransient, res.Outcome)
			mints, pushes, _ := f.counts()
			require.Equal(t, 2, mints)
			require.Equal(t, 2, pushes)
		})
	}

	t.Run("TokenRevokedByAnotherMint", func(t *testing.T) {
		t.Parallel()
		cr := paybillCreds()
		f := newFakeDaraja(t, cr)
		c := newTestClient(f, nil)
		_, err := c.Push(t.Context(), cr, validPush())
		require.NoError(t, err)
		f.revoke()
		res, err := c.Push(t.Context(), cr, validPush())
		require.NoError(t, err)
		require.Equal(t, OutcomeAccepted, res.Outcome)
		mints, pushes, _ := f.counts()
		require.Equal(t, 2, mints)
		require.Equal(t, 3, pushes)
	})
}

func TestPushLocalValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		creds  Credentials
		mutate func(*PushRequest)
		field  string
		cause  error
	}{
		{"AmountZero", paybillCreds(), func(r *PushRequest) { r.Amount = 0 }, "Amount", nil},
		{"AmountAboveMax", paybillCreds(), func(r *PushRequest) { r.Amount = 250001 }, "Amount", nil},
		{"PhoneNotNormalized", paybillCreds(), func(r *PushRequest) { r.Phone = "0712345678" }, "PhoneNumber", ErrInvalidPhone},
		{"PhoneLandline", paybillCreds(), func(r *PushRequest) { r.Phone = "254202345678" }, "PhoneNumber", ErrInvalidPhone},
		{"CallbackEmpty", paybillCreds(), func(r *PushRequest) { r.CallbackURL = "" }, "CallBackURL", nil},
		{"CallbackSpace", paybillCreds(), func(r *PushRequest) { r.CallbackURL = "https://pay.sokohub.test/cb/a b" }, "CallBackURL", nil},
		{"CallbackTrailingNewline", paybillCreds(), func(r *PushRequest) { r.CallbackURL += "\n" }, "CallBackURL", nil},
		{"CallbackUpperHost", paybillCreds(), func(r *PushRequest) { r.CallbackURL = "https://Pay.SokoHub.test/cb" }, "CallBackURL", nil},
		{"CallbackNoScheme", paybillCreds(), func(r *PushRequest) { r.CallbackURL = "pay.sokohub.test/cb" }, "CallBackURL", nil},
		{"CallbackHTTPInProduction", tillCreds(), func(r *PushRequest) { r.CallbackURL = "http://pay.sokohub.test/cb" }, "CallBackURL", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeDaraja(t, tc.creds)
			c := newTestClient(f, nil)
			r := validPush()
			tc.mutate(&r)
			res, err := c.Push(t.Context(), tc.creds, r)
			require.ErrorIs(t, err, ErrInvalidRequest)
			if tc.cause != nil {
				require.ErrorIs(t, err, tc.cause)
			}
			require.Equal(t, OutcomeRejected, res.Outcome)
			require.Equal(t, tc.field, res.Field)
			mints, pushes, _ := f.counts()
			require.Zero(t, mints+pushes, "nothing sent")
		})
	}

	t.Run("HTTPAllowedInSandbox", func(t *testing.T) {
		t.Parallel()
		require.Empty(t, callbackURLProblem("http://localhost:8080/cb", false))
	})

	t.Run("InvalidCredentials", func(t *testing.T) {
		t.Parallel()
		cr := paybillCreds()
		f := newFakeDaraja(t, cr)
		c := newTestClient(f, nil)
		cr.Shortcode = "17"
		res, err := c.Push(t.Context(), cr, validPush())
		require.ErrorIs(t, err, ErrInvalidRequest)
		require.ErrorIs(t, err, ErrConfig)
		require.Equal(t, OutcomeConfigError, res.Outcome)
		mints, pushes, _ := f.counts()
		require.Zero(t, mints+pushes)
	})
}

func TestPushTransportFailures(t *testing.T) {
	t.Parallel()
	t.Run("TimeoutIsAnError", func(t *testing.T) {
		t.Parallel()
		cr := paybillCreds()
		f := newFakeDaraja(t, cr)
		f.delay = 500 * time.Millisecond
		c := NewClient(Options{BaseURL: f.srv.URL, HTTPClient: &http.Client{Timeout: 100 * time.Millisecond}, Now: fixedNow})
		res, err := c.Push(t.Context(), cr, validPush())
		require.Error(t, err)
		var ne net.Error
		require.True(t, errors.As(err, &ne) && ne.Timeout(), err.Error())
		require.Equal(t, OutcomeUnknown, res.Outcome, "a prompt may or may not be live")
		require.NotContains(t, err.Error(), cr.Passkey)
		_, pushes, _ := f.counts()
		require.Equal(t, 1, pushes)
	})
	t.Run("ContextCancelledIsAnError", func(t *testing.T) {
		t.Parallel()
		cr := paybillCreds()
		f := newFakeDaraja(t, cr)
		f.delay = 500 * time.Millisecond
		c := newTestClient(f, nil)
		_, err := c.Token(t.Context(), cr)
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		res, err := c.Push(ctx, cr, validPush())
		require.Error(t, err)
		require.Equal(t, OutcomeUnknown, res.Outcome)
	})
	t.Run("TokenUnreachableIsTransient", func(t *testing.T) {
		t.Parallel()
		cr := paybillCreds()
		f := newFakeDaraja(t, cr)
		f.srv.Close() // connection refused on the OAuth call: nothing pushed
		c := newTestClient(f, nil)
		res, err := c.Push(t.Context(), cr, validPush())
		require.NoError(t, err)
		require.Equal(t, OutcomeTransient, res.Outcome)
		require.Contains(t, res.Message, "no access token")
	})
	t.Run("DefaultHTTPTimeout", func(t *testing.T) {
		t.Parallel()
		require.Equal(t, 10*time.Second, NewClient(Options{}).http.Timeout)
	})
}

func TestOutcomeString(t *testing.T) {
	t.Parallel()
	for o, s := range map[Outcome]string{
		OutcomeUnknown: "unknown", OutcomeAccepted: "accepted", OutcomeRejected: "rejected",
		OutcomeConfigError: "config_error", OutcomeSubscriberBusy: "subscriber_busy",
		OutcomeThrottled: "throttled", OutcomeTransient: "transient",
	} {
		require.Equal(t, s, o.String())
	}
	require.Equal(t, OutcomeUnknown, PushResult{}.Outcome, "zero value is never accepted")
}
