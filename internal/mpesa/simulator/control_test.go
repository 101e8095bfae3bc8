package simulator

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestControlAPI(t *testing.T) {
	t.Parallel()

	t.Run("TransactionShowsTheRequestAsReceived", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		resp := b.push(t, b.token(t), b.pushBody(map[string]any{"Amount": 1500}))
		b.waitCallbacks(t, resp.CheckoutRequestID, 1)

		status, raw := b.do(t, http.MethodGet, "/simulator/v1/transactions/"+resp.CheckoutRequestID, nil, nil)
		require.Equal(t, http.StatusOK, status)
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(raw), &m))
		require.Equal(t, resp.CheckoutRequestID, m["checkout_request_id"])
		require.Equal(t, resp.MerchantRequestID, m["merchant_request_id"])
		require.Equal(t, "succeeded", m["state"])
		require.Equal(t, "0", m["result_code"])
		require.Equal(t, "The service request is processed successfully.", m["result_desc"])
		require.Regexp(t, `^[A-Z0-9]{10}$`, m["receipt"])
		require.Equal(t, testPhone, m["phone"])
		require.EqualValues(t, 1500, m["amount"])

		// The request keeps its JSON types: the shortcode was a number here.
		var want map[string]any
		require.NoError(t, json.Unmarshal([]byte(mustJSON(t, b.pushBody(map[string]any{"Amount": 1500}))), &want))
		require.Equal(t, want, m["request"])
		require.Contains(t, raw, `"BusinessShortCode":174379,`)

		cbs := m["callbacks"].([]any)
		require.Len(t, cbs, 1)
		cb := cbs[0].(map[string]any)
		require.EqualValues(t, 200, cb["status_code"])
		require.Equal(t, "", cb["error"])
		require.NotEmpty(t, cb["at"])
	})

	t.Run("UnknownTransactionIs404JSON", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		status, raw := b.do(t, http.MethodGet, "/simulator/v1/transactions/ws_CO_nope", nil, nil)
		require.Equal(t, http.StatusNotFound, status)
		require.JSONEq(t, `{"error":"simulator: transaction not found"}`, raw)
	})

	t.Run("ListFiltersByPhoneNewestFirst", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		tok := b.token(t)
		first := b.push(t, tok, b.pushBody(nil))
		b.waitState(t, first.CheckoutRequestID, StateSucceeded)
		other := b.push(t, tok, b.phoneBody(PhoneCancels))
		second := b.push(t, tok, b.pushBody(map[string]any{"AccountReference": "ORDER-2"}))

		_, raw := b.do(t, http.MethodGet, "/simulator/v1/transactions?phone="+testPhone, nil, nil)
		var list struct{ Data []Transaction }
		require.NoError(t, json.Unmarshal([]byte(raw), &list))
		require.Len(t, list.Data, 2)
		require.Equal(t, second.CheckoutRequestID, list.Data[0].CheckoutRequestID)
		require.Equal(t, first.CheckoutRequestID, list.Data[1].CheckoutRequestID)

		_, raw = b.do(t, http.MethodGet, "/simulator/v1/transactions", nil, nil)
		require.NoError(t, json.Unmarshal([]byte(raw), &list))
		require.Len(t, list.Data, 3)
		require.Equal(t, other.CheckoutRequestID, list.Data[1].CheckoutRequestID)

		_, raw = b.do(t, http.MethodGet, "/simulator/v1/transactions?phone=254799999999", nil, nil)
		require.JSONEq(t, `{"data":[]}`, raw)
	})

	t.Run("AnswerAWaitingPrompt", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		tok := b.token(t)
		for action, want := range map[string]string{
			`{"action":"pin"}`:              "0",
			`{"action":"cancel"}`:           "1032",
			`{"action":"wrong_pin"}`:        "2001",
			`{"action":"pin","pin":"0000"}`: "2001",
		} {
			resp := b.push(t, tok, b.phoneBody(PhoneWaits))
			b.receiver.none(t, 50*time.Millisecond)
			status, raw := b.do(t, http.MethodPost, "/simulator/v1/transactions/"+resp.CheckoutRequestID+"/answer", nil, action)
			require.Equal(t, http.StatusOK, status, raw)
			var tx Transaction
			require.NoError(t, json.Unmarshal([]byte(raw), &tx))
			require.Equal(t, want, tx.ResultCode, action)
			require.Contains(t, b.receiver.next(t).Body, `"ResultCode":`+want+`,`)

			status, raw = b.do(t, http.MethodPost, "/simulator/v1/transactions/"+resp.CheckoutRequestID+"/answer", nil, action)
			require.Equal(t, http.StatusConflict, status, raw)
		}
	})

	t.Run("AnswerErrors", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		resp := b.push(t, b.token(t), b.phoneBody(PhoneWaits))
		status, _ := b.do(t, http.MethodPost, "/simulator/v1/transactions/ws_CO_nope/answer", nil, `{"action":"pin"}`)
		require.Equal(t, http.StatusNotFound, status)
		status, _ = b.do(t, http.MethodPost, "/simulator/v1/transactions/"+resp.CheckoutRequestID+"/answer", nil, `{"action":"dance"}`)
		require.Equal(t, http.StatusBadRequest, status)
		status, _ = b.do(t, http.MethodPost, "/simulator/v1/transactions/"+resp.CheckoutRequestID+"/answer", nil, `{`)
		require.Equal(t, http.StatusBadRequest, status)
	})

	t.Run("RegisterShortcodeAndPushToIt", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		status, raw := b.do(t, http.MethodPost, "/simulator/v1/shortcodes", nil,
			`{"shortcode":"600100","passkey":"pk","type":"till","till_number":"600101","name":"Mama Mboga"}`)
		require.Equal(t, http.StatusCreated, status, raw)

		ts := b.timestamp()
		resp := b.push(t, b.token(t), b.pushBody(map[string]any{
			"BusinessShortCode": "600100", "PartyB": "600101", "TransactionType": "CustomerBuyGoodsOnline",
			"Password": base64.StdEncoding.EncodeToString([]byte("600100pk" + ts)),
		}))
		tx := b.waitState(t, resp.CheckoutRequestID, StateSucceeded)
		require.Equal(t, "Mama Mboga", tx.MerchantName)

		for _, bad := range []string{
			`{"shortcode":"12","passkey":"pk","type":"paybill"}`,
			`{"shortcode":"600200","passkey":"","type":"paybill"}`,
			`{"shortcode":"600200","passkey":"pk","type":"bank"}`,
			`{"shortcode":"600200","passkey":"pk","type":"till"}`,
			`{"shortcode":"600200","passkey":"pk","type":"paybill","extra":1}`,
		} {
			status, raw := b.do(t, http.MethodPost, "/simulator/v1/shortcodes", nil, bad)
			require.Equal(t, http.StatusBadRequest, status, bad)
			require.Contains(t, raw, `"error"`)
		}
	})

	t.Run("RegisterAppErrors", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		status, _ := b.do(t, http.MethodPost, "/simulator/v1/apps", nil, `{"consumer_key":"k"}`)
		require.Equal(t, http.StatusBadRequest, status)
	})
}
