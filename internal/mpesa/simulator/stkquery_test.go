package simulator

import (
	"encoding/base64"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const queryPath = "/mpesa/stkpushquery/v1/query"

func TestQuery(t *testing.T) {
	t.Parallel()

	t.Run("RotatesPendingShapesThenFinal", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		tok := b.token(t)
		resp := b.push(t, tok, b.phoneBody(PhoneWaits))

		for range 2 {
			status, raw := b.do(t, http.MethodPost, queryPath, bearer(tok), b.queryBody(resp.CheckoutRequestID))
			requireDarajaError(t, status, raw, http.StatusInternalServerError, "500.001.1001", "The transaction is being processed")

			status, q := b.query(t, tok, resp.CheckoutRequestID)
			require.Equal(t, http.StatusOK, status)
			require.Equal(t, map[string]any{
				"ResponseCode":        "0",
				"ResponseDescription": "The service request has been accepted successsfully",
				"MerchantRequestID":   resp.MerchantRequestID,
				"CheckoutRequestID":   resp.CheckoutRequestID,
				"ResultCode":          "4999",
				"ResultDesc":          "The transaction is still under processing",
			}, q)

			status, raw = b.do(t, http.MethodPost, queryPath, bearer(tok), b.queryBody(resp.CheckoutRequestID))
			requireDarajaError(t, status, raw, http.StatusOK, "500.001.1001", "")

			// The intermittent 500.001.1001 with other words: still pending.
			status, raw = b.do(t, http.MethodPost, queryPath, bearer(tok), b.queryBody(resp.CheckoutRequestID))
			requireDarajaError(t, status, raw, http.StatusInternalServerError, "500.001.1001",
				"The service request could not be processed at this time")
		}

		require.NoError(t, b.sim.Answer(resp.CheckoutRequestID, ActionPIN))
		status, q := b.query(t, tok, resp.CheckoutRequestID)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, map[string]any{
			"ResponseCode":        "0",
			"ResponseDescription": "The service request has been accepted successsfully",
			"MerchantRequestID":   resp.MerchantRequestID,
			"CheckoutRequestID":   resp.CheckoutRequestID,
			"ResultCode":          "0",
			"ResultDesc":          "The service request is processed successfully.",
		}, q)
	})

	t.Run("SandboxNumberIsPendingThen1037", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{Delay: 400 * time.Millisecond})
		tok := b.token(t)
		resp := b.push(t, tok, b.phoneBody(PhoneNoAnswer))
		status, _ := b.query(t, tok, resp.CheckoutRequestID)
		require.Equal(t, http.StatusInternalServerError, status, "pending: being processed")

		cb := b.receiver.next(t)
		require.Contains(t, cb.Body, `"ResultCode":1037,`)
		status, q := b.query(t, tok, resp.CheckoutRequestID)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, "1037", q["ResultCode"])
		require.Equal(t, "DS timeout user cannot be reached", q["ResultDesc"])
	})

	t.Run("FinalFailureCodesAreStrings", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		tok := b.token(t)
		for phone, code := range map[string]string{PhoneCancels: "1032", PhoneOperatorError: "SFC_IC0003", PhoneInsufficientFunds: "1"} {
			resp := b.push(t, tok, b.phoneBody(phone))
			b.waitState(t, resp.CheckoutRequestID, StateFailed)
			_, q := b.query(t, tok, resp.CheckoutRequestID)
			require.Equal(t, code, q["ResultCode"])
		}
	})

	t.Run("UnknownCheckoutRequestID", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		status, raw := b.do(t, http.MethodPost, queryPath, bearer(b.token(t)), b.queryBody("ws_CO_191220191021151712345678"))
		requireDarajaError(t, status, raw, http.StatusInternalServerError, "500.001.1001", "The transaction does not Exist")
	})

	t.Run("OtherShortcodeDoesNotSeeIt", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		tok := b.token(t)
		resp := b.push(t, tok, b.pushBody(nil))
		ts := b.timestamp()
		body := b.queryBody(resp.CheckoutRequestID)
		body["BusinessShortCode"] = DefaultTillStore
		body["Password"] = base64.StdEncoding.EncodeToString([]byte(DefaultTillStore + SandboxPasskey + ts))
		status, raw := b.do(t, http.MethodPost, queryPath, bearer(tok), body)
		requireDarajaError(t, status, raw, http.StatusInternalServerError, "500.001.1001", "The transaction does not Exist")
	})

	t.Run("ChecksTokenPasswordAndFields", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		tok := b.token(t)

		status, raw := b.do(t, http.MethodPost, queryPath, bearer("stale"), b.queryBody("x"))
		requireDarajaError(t, status, raw, http.StatusNotFound, "404.001.03", "Invalid Access Token")

		status, raw = b.do(t, http.MethodGet, queryPath, bearer(tok), nil)
		requireDarajaError(t, status, raw, http.StatusMethodNotAllowed, "405.001", "Method Not Allowed")

		body := b.queryBody("x")
		body["Password"] = "d3Jvbmc="
		status, raw = b.do(t, http.MethodPost, queryPath, bearer(tok), body)
		requireDarajaError(t, status, raw, http.StatusInternalServerError, "500.001.1001", "Wrong credentials")

		body = b.queryBody("x")
		body["Timestamp"] = testNow.UTC().Format("20060102150405")
		status, raw = b.do(t, http.MethodPost, queryPath, bearer(tok), body)
		requireDarajaError(t, status, raw, http.StatusBadRequest, "400.002.02", "Bad Request - Invalid Timestamp")

		body = b.queryBody("x")
		delete(body, "CheckoutRequestID")
		status, raw = b.do(t, http.MethodPost, queryPath, bearer(tok), body)
		requireDarajaError(t, status, raw, http.StatusBadRequest, "400.002.02", "Bad Request - Invalid CheckoutRequestID")
	})
}
