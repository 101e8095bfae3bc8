package simulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const pushPath = "/mpesa/stkpush/v1/processrequest"

func TestPushValidation(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	tok := b.token(t)
	utc := testNow.UTC().Format("20060102150405")

	tests := []struct {
		name      string
		overrides map[string]any
		field     string
	}{
		{"ShortCodeMissing", map[string]any{"BusinessShortCode": nil}, "BusinessShortCode"},
		{"ShortCodeTooShort", map[string]any{"BusinessShortCode": "1743"}, "BusinessShortCode"},
		{"ShortCodeTooLong", map[string]any{"BusinessShortCode": 17437912}, "BusinessShortCode"},
		{"ShortCodeLetters", map[string]any{"BusinessShortCode": "17437a"}, "BusinessShortCode"},
		{"ShortCodeFloat", map[string]any{"BusinessShortCode": 174379.5}, "BusinessShortCode"},
		{"TimestampMissing", map[string]any{"Timestamp": nil}, "Timestamp"},
		{"TimestampShort", map[string]any{"Timestamp": "2019121910211"}, "Timestamp"},
		{"TimestampNotADate", map[string]any{"Timestamp": "20191319102115"}, "Timestamp"},
		{"TimestampInUTC", map[string]any{"Timestamp": utc}, "Timestamp"},
		{"TimestampAnHourAhead", map[string]any{"Timestamp": testNow.Add(31 * time.Minute).Format("20060102150405")}, "Timestamp"},
		{"TransactionTypeUnknown", map[string]any{"TransactionType": "CustomerPay"}, "TransactionType"},
		{"TransactionTypeMissing", map[string]any{"TransactionType": nil}, "TransactionType"},
		{"AmountMissing", map[string]any{"Amount": nil}, "Amount"},
		{"AmountDecimal", map[string]any{"Amount": "10.5"}, "Amount"},
		{"AmountDecimalNumber", map[string]any{"Amount": 10.5}, "Amount"},
		{"AmountZero", map[string]any{"Amount": 0}, "Amount"},
		{"AmountNegative", map[string]any{"Amount": "-5"}, "Amount"},
		{"AmountTooLarge", map[string]any{"Amount": 250001}, "Amount"},
		{"AmountBool", map[string]any{"Amount": true}, "Amount"},
		{"PartyAWrongPrefix", map[string]any{"PartyA": "254612345678"}, "PartyA"},
		{"PartyALocalFormat", map[string]any{"PartyA": "0712345678"}, "PartyA"},
		{"PartyBMissing", map[string]any{"PartyB": nil}, "PartyB"},
		{"PhoneNumberMissing", map[string]any{"PhoneNumber": nil}, "PhoneNumber"},
		{"PhoneNumberPlus", map[string]any{"PhoneNumber": "+254712345678"}, "PhoneNumber"},
		{"PhoneNumberTooLong", map[string]any{"PhoneNumber": "2547123456789"}, "PhoneNumber"},
		{"CallBackURLMissing", map[string]any{"CallBackURL": nil}, "CallBackURL"},
		{"CallBackURLRelative", map[string]any{"CallBackURL": "/callbacks/stk"}, "CallBackURL"},
		{"CallBackURLNotHTTP", map[string]any{"CallBackURL": "ftp://127.0.0.1/cb"}, "CallBackURL"},
		{"CallBackURLWhitespace", map[string]any{"CallBackURL": "http://127.0.0.1/cb ok"}, "CallBackURL"},
		{"CallBackURLTrailingNewline", map[string]any{"CallBackURL": "http://127.0.0.1/cb\n"}, "CallBackURL"},
		{"CallBackURLUppercaseHost", map[string]any{"CallBackURL": "https://Example.com/cb"}, "CallBackURL"},
		{"AccountReferenceMissing", map[string]any{"AccountReference": nil}, "AccountReference"},
		{"AccountReferenceEmpty", map[string]any{"AccountReference": ""}, "AccountReference"},
		{"AccountReferenceTooLong", map[string]any{"AccountReference": "ABCDEFGHIJKLMNOP"}, "AccountReference"},
		{"TransactionDescMissing", map[string]any{"TransactionDesc": nil}, "Remarks"},
		{"TransactionDescNull", map[string]any{"TransactionDesc": json.RawMessage("null")}, "Remarks"},
		{"TransactionDescEmpty", map[string]any{"TransactionDesc": ""}, "Remarks"},
		{"TransactionDescTooLong", map[string]any{"TransactionDesc": "Payment order1"}, "Remarks"},
		// Earlier fields win: both Amount and PhoneNumber are bad.
		{"OrderAmountBeforePhone", map[string]any{"Amount": "x", "PhoneNumber": "x"}, "Amount"},
		{"OrderShortCodeBeforeTimestamp", map[string]any{"BusinessShortCode": "x", "Timestamp": "x"}, "BusinessShortCode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, resp := b.do(t, http.MethodPost, pushPath, bearer(tok), b.pushBody(tt.overrides))
			requireDarajaError(t, status, resp, http.StatusBadRequest, "400.002.02", "Bad Request - Invalid "+tt.field)
		})
	}
	require.Empty(t, b.sim.Transactions(), "no rejected push is recorded")
}

func TestPush(t *testing.T) {
	t.Parallel()

	t.Run("AcceptsAndAnswersLikeDaraja", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		status, raw := b.do(t, http.MethodPost, pushPath, bearer(b.token(t)), b.pushBody(nil))
		require.Equal(t, http.StatusOK, status)
		var m map[string]any
		require.NoError(t, jsonUnmarshal(raw, &m))
		require.Len(t, m, 5)
		require.Regexp(t, `^\d+-\d+-\d+$`, m["MerchantRequestID"])
		require.Equal(t, "0", m["ResponseCode"])
		require.Equal(t, "Success. Request accepted for processing", m["ResponseDescription"])
		require.Equal(t, "Success. Request accepted for processing", m["CustomerMessage"])
		// ws_CO_ + DDMMYYYYHHmmss (Nairobi) + 1–3 digits + last 9 of the MSISDN.
		require.Regexp(t, `^ws_CO_19122019102115\d{1,3}712345678$`, m["CheckoutRequestID"])
	})

	t.Run("AcceptsMixedJSONTypes", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		tok := b.token(t)
		b.push(t, tok, b.pushBody(map[string]any{
			"BusinessShortCode": "174379", "Amount": 250000, "PartyA": 254712345678, "PartyB": "174379",
			"PhoneNumber": 254712345678, "AccountReference": "ABCDEFGHIJKL", "TransactionDesc": "Payment 12345",
		}))
		b.waitState(t, b.sim.Transactions()[0].CheckoutRequestID, StateSucceeded)
		b.push(t, tok, b.pushBody(map[string]any{"PhoneNumber": "254112345678", "PartyA": "254112345678", "Timestamp": 20191219102115}))
	})

	t.Run("TimestampWithinHalfAnHour", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		tok := b.token(t)
		for i, d := range []time.Duration{-30 * time.Minute, 29 * time.Minute} {
			phone := fmt.Sprintf("25471100000%d", i)
			ts := testNow.Add(d).Format("20060102150405")
			b.push(t, tok, b.pushBody(map[string]any{
				"Timestamp": ts, "PartyA": phone, "PhoneNumber": phone,
				"Password": base64.StdEncoding.EncodeToString([]byte(DefaultPaybill + SandboxPasskey + ts)),
			}))
		}
	})

	t.Run("WrongCredentials", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		tok := b.token(t)
		ts := b.timestamp()
		for _, pw := range []any{
			base64.StdEncoding.EncodeToString([]byte(DefaultPaybill + "otherpasskey" + ts)),
			base64.StdEncoding.EncodeToString([]byte(DefaultPaybill + SandboxPasskey + "20191219102114")),
			"", nil, 12345,
		} {
			status, body := b.do(t, http.MethodPost, pushPath, bearer(tok), b.pushBody(map[string]any{"Password": pw}))
			requireDarajaError(t, status, body, http.StatusInternalServerError, "500.001.1001", "Wrong credentials")
		}
	})

	t.Run("MerchantDoesNotExist", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		ts := b.timestamp()
		status, body := b.do(t, http.MethodPost, pushPath, bearer(b.token(t)), b.pushBody(map[string]any{
			"BusinessShortCode": "600000", "PartyB": "600000",
			"Password": base64.StdEncoding.EncodeToString([]byte("600000" + SandboxPasskey + ts)),
		}))
		requireDarajaError(t, status, body, http.StatusInternalServerError, "500.001.1001", "Merchant does not exist")
	})

	t.Run("RequiresPOST", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		status, body := b.do(t, http.MethodGet, pushPath, bearer(b.token(t)), nil)
		requireDarajaError(t, status, body, http.StatusMethodNotAllowed, "405.001", "Method Not Allowed")
	})

	t.Run("RequiresBearerToken", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		for _, h := range []http.Header{nil, bearer("not-a-token"), basicHeader(DefaultConsumerKey, DefaultConsumerSecret)} {
			status, body := b.do(t, http.MethodPost, pushPath, h, b.pushBody(nil))
			requireDarajaError(t, status, body, http.StatusNotFound, "404.001.03", "Invalid Access Token")
		}
	})

	t.Run("MalformedJSONIsInvalidPayload", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		tok := b.token(t)
		for _, raw := range []string{"", "{", "[]", "null", `"x"`, `{"a":1} {"b":2}`} {
			status, body := b.do(t, http.MethodPost, pushPath, bearer(tok), raw)
			requireDarajaError(t, status, body, http.StatusBadRequest, "400.002.05", "Invalid Request Payload")
		}
	})

	t.Run("UnknownPathIsResourceNotFound", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		status, body := b.do(t, http.MethodPost, "/mpesa/stkpush/v2/processrequest", nil, nil)
		requireDarajaError(t, status, body, http.StatusNotFound, "404.001.01", "Resource not found")
	})

	t.Run("UnableToLockSubscriberWhileAPromptIsLive", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		tok := b.token(t)
		first := b.push(t, tok, b.phoneBody(PhoneWaits))
		status, body := b.do(t, http.MethodPost, pushPath, bearer(tok), b.phoneBody(PhoneWaits))
		requireDarajaError(t, status, body, http.StatusInternalServerError, "500.001.1001",
			"Unable to lock subscriber, a transaction is already in process for the current subscriber")

		// Another phone is not locked; once answered, the phone is free again.
		b.push(t, tok, b.pushBody(nil))
		require.NoError(t, b.sim.Answer(first.CheckoutRequestID, ActionCancel))
		b.push(t, tok, b.phoneBody(PhoneWaits))
	})

	t.Run("TestNumberLockedIsAlwaysRefused", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		status, body := b.do(t, http.MethodPost, pushPath, bearer(b.token(t)), b.phoneBody(PhoneLocked))
		requireDarajaError(t, status, body, http.StatusInternalServerError, "500.001.1001",
			"Unable to lock subscriber, a transaction is already in process for the current subscriber")
		require.Empty(t, b.sim.Transactions())
	})

	t.Run("IDsAreUniqueUnderLoad", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		tok := b.token(t)
		seen := map[string]bool{}
		idFormat := regexp.MustCompile(`^ws_CO_19122019102115\d{1,3}\d{9}$`)
		for i := range 300 {
			phone := fmt.Sprintf("25472%07d", i)
			resp := b.push(t, tok, b.phoneBody(phone))
			require.Regexp(t, idFormat, resp.CheckoutRequestID)
			require.False(t, seen[resp.CheckoutRequestID], "duplicate %s", resp.CheckoutRequestID)
			require.False(t, seen[resp.MerchantRequestID], "duplicate %s", resp.MerchantRequestID)
			seen[resp.CheckoutRequestID], seen[resp.MerchantRequestID] = true, true
		}
		// Same phone, same second, many times (each resolves at once with Delay 0).
		for range 50 {
			resp := b.push(t, tok, b.pushBody(nil))
			require.False(t, seen[resp.CheckoutRequestID])
			seen[resp.CheckoutRequestID] = true
			b.waitState(t, resp.CheckoutRequestID, StateSucceeded)
		}
	})
}

func TestTill(t *testing.T) {
	t.Parallel()

	tillBody := func(b *testBundle, overrides map[string]any) map[string]any {
		ts := b.timestamp()
		body := b.pushBody(map[string]any{
			"BusinessShortCode": DefaultTillStore, "PartyB": DefaultTill, "TransactionType": "CustomerBuyGoodsOnline",
			"Password": base64.StdEncoding.EncodeToString([]byte(DefaultTillStore + SandboxPasskey + ts)),
		})
		for k, v := range overrides {
			body[k] = v
		}
		return body
	}

	t.Run("BuyGoodsToTheTillSucceeds", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		resp := b.push(t, b.token(t), tillBody(b, nil))
		cb := b.receiver.next(t)
		require.Equal(t, DefaultTillStore, cb.Header.Get("BusinessShortCode"))
		tx := b.waitState(t, resp.CheckoutRequestID, StateSucceeded)
		require.Equal(t, "SOKOHUB SANDBOX TILL", tx.MerchantName)
		require.Contains(t, cb.Body, `"ResultCode":0,`)
	})

	for name, overrides := range map[string]map[string]any{
		"TillWithPayBillType":   {"TransactionType": "CustomerPayBillOnline"},
		"TillWithStoreAsPartyB": {"PartyB": DefaultTillStore},
	} {
		t.Run(name+"FailsWith2028", func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{Delay: time.Hour}) // 2028 does not wait for the customer
			resp := b.push(t, b.token(t), tillBody(b, overrides))
			cb := b.receiver.next(t)
			require.JSONEq(t, fmt.Sprintf(`{"Body":{"stkCallback":{"MerchantRequestID":%q,"CheckoutRequestID":%q,"ResultCode":2028,"ResultDesc":"The request is not permitted according to product assignment"}}}`,
				resp.MerchantRequestID, resp.CheckoutRequestID), cb.Body)
			b.waitState(t, resp.CheckoutRequestID, StateFailed)
		})
	}

	t.Run("PaybillWithBuyGoodsTypeFailsWith2028", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		resp := b.push(t, b.token(t), b.pushBody(map[string]any{"TransactionType": "CustomerBuyGoodsOnline"}))
		require.Contains(t, b.receiver.next(t).Body, `"ResultCode":2028,`)
		b.waitState(t, resp.CheckoutRequestID, StateFailed)
	})
}
