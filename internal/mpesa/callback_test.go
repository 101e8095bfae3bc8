package mpesa

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Callback bodies from shared/reference/daraja.md and variants seen live.
const (
	callbackSuccess = `{"Body":{"stkCallback":{"MerchantRequestID":"29115-34620561-1","CheckoutRequestID":"ws_CO_191220191020363925","ResultCode":0,"ResultDesc":"The service request is processed successfully.","CallbackMetadata":{"Item":[{"Name":"Amount","Value":1.00},{"Name":"MpesaReceiptNumber","Value":"NLJ7RT61SV"},{"Name":"TransactionDate","Value":20191219102115},{"Name":"PhoneNumber","Value":254708374149}]}}}}`
	callbackFailure = `{"Body":{"stkCallback":{"MerchantRequestID":"29115-34620561-1","CheckoutRequestID":"ws_CO_191220191020363925","ResultCode":1032,"ResultDesc":"Request cancelled by user"}}}`
	callbackOldFive = `{"Body":{"stkCallback":{"MerchantRequestID":"19465-780693-1","CheckoutRequestID":"ws_CO_27072017154747416","ResultCode":0,"ResultDesc":"The service request is processed successfully.","CallbackMetadata":{"Item":[{"Name":"Amount","Value":1},{"Name":"MpesaReceiptNumber","Value":"LGR7OWQX0R"},{"Name":"Balance"},{"Name":"TransactionDate","Value":20170727154800},{"Name":"PhoneNumber","Value":254721566839}]}}}}`
	callbackSFC     = `{"Body":{"stkCallback":{"MerchantRequestID":"1234-5678-1","CheckoutRequestID":"ws_CO_03122026103000123374149","ResultCode":"SFC_IC0003","ResultDesc":"Operator does not exist"}}}`
)

func TestParseCallback(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		body string
		want Callback
	}{
		{"Success", callbackSuccess, Callback{
			MerchantRequestID: "29115-34620561-1", CheckoutRequestID: "ws_CO_191220191020363925",
			ResultCode: "0", ResultDesc: "The service request is processed successfully.",
			AmountCents: 100, HasAmount: true, Receipt: "NLJ7RT61SV",
			TransactionDate: "20191219102115", Phone: "254708374149",
		}},
		{"Failure", callbackFailure, Callback{
			MerchantRequestID: "29115-34620561-1", CheckoutRequestID: "ws_CO_191220191020363925",
			ResultCode: "1032", ResultDesc: "Request cancelled by user",
		}},
		{"OldFiveItemsBalanceWithoutValue", callbackOldFive, Callback{
			MerchantRequestID: "19465-780693-1", CheckoutRequestID: "ws_CO_27072017154747416",
			ResultCode: "0", ResultDesc: "The service request is processed successfully.",
			AmountCents: 100, HasAmount: true, Receipt: "LGR7OWQX0R",
			TransactionDate: "20170727154800", Phone: "254721566839",
		}},
		{"ResultCodeString", callbackSFC, Callback{
			MerchantRequestID: "1234-5678-1", CheckoutRequestID: "ws_CO_03122026103000123374149",
			ResultCode: "SFC_IC0003", ResultDesc: "Operator does not exist",
		}},
		{"AmountAsString", withAmount(`"1.00"`), successWith(100)},
		{"AmountInteger", withAmount(`1`), successWith(100)},
		{"AmountOneDecimal", withAmount(`1.5`), successWith(150)},
		{"AmountLarge", withAmount(`250000.00`), successWith(25_000_000)},
		{"AmountNull", withAmount(`null`), successWithout()},
		{"ItemsReordered", `{"Body":{"stkCallback":{"MerchantRequestID":"m","CheckoutRequestID":"c","ResultCode":"0","ResultDesc":"ok","CallbackMetadata":{"Item":[{"Name":"PhoneNumber","Value":"2547******149"},{"Name":"TransactionDate","Value":"20191219102115"},{"Name":"MpesaReceiptNumber","Value":"NLJ7RT61SV"},{"Name":"Amount","Value":"10"}]}}}}`,
			Callback{MerchantRequestID: "m", CheckoutRequestID: "c", ResultCode: "0", ResultDesc: "ok",
				AmountCents: 1000, HasAmount: true, Receipt: "NLJ7RT61SV", TransactionDate: "20191219102115", Phone: "2547******149"}},
		{"UnknownItemsIgnored", `{"Body":{"stkCallback":{"MerchantRequestID":"m","CheckoutRequestID":"c","ResultCode":0,"ResultDesc":"ok","CallbackMetadata":{"Item":[{"Name":"Balance","Value":{"x":1}},{"Name":"New"},{"Value":3},{"Name":"Amount","Value":2}]}}}}`,
			Callback{MerchantRequestID: "m", CheckoutRequestID: "c", ResultCode: "0", ResultDesc: "ok", AmountCents: 200, HasAmount: true}},
		{"NoPhoneItem", `{"Body":{"stkCallback":{"MerchantRequestID":"m","CheckoutRequestID":"c","ResultCode":0,"ResultDesc":"ok","CallbackMetadata":{"Item":[{"Name":"Amount","Value":2}]}}}}`,
			Callback{MerchantRequestID: "m", CheckoutRequestID: "c", ResultCode: "0", ResultDesc: "ok", AmountCents: 200, HasAmount: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseCallback([]byte(tc.body))
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestParseCallbackRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, body string }{
		{"Empty", ``},
		{"NotJSON", `ResultCode=0`},
		{"Null", `null`},
		{"Array", `[]`},
		{"MissingBody", `{"stkCallback":{"CheckoutRequestID":"c","ResultCode":0}}`},
		{"BodyNotObject", `{"Body":"x"}`},
		{"MissingStkCallback", `{"Body":{}}`},
		{"MissingCheckoutRequestID", `{"Body":{"stkCallback":{"MerchantRequestID":"m","ResultCode":0}}}`},
		{"MissingResultCode", `{"Body":{"stkCallback":{"CheckoutRequestID":"c"}}}`},
		{"ResultCodeBool", `{"Body":{"stkCallback":{"CheckoutRequestID":"c","ResultCode":true}}}`},
		{"ResultCodeObject", `{"Body":{"stkCallback":{"CheckoutRequestID":"c","ResultCode":{}}}}`},
		{"ItemsNotArray", `{"Body":{"stkCallback":{"CheckoutRequestID":"c","ResultCode":0,"CallbackMetadata":{"Item":{"Name":"Amount"}}}}}`},
		{"AmountThreeDecimals", withAmount(`1.005`)},
		{"AmountNegative", withAmount(`-1`)},
		{"AmountExponent", withAmount(`1e2`)},
		{"AmountText", withAmount(`"one"`)},
		{"AmountTooBig", withAmount(`99999999999999999999`)},
		{"AmountObject", withAmount(`{"v":1}`)},
		{"ConflictingAmounts", `{"Body":{"stkCallback":{"CheckoutRequestID":"c","ResultCode":0,"CallbackMetadata":{"Item":[{"Name":"Amount","Value":1},{"Name":"Amount","Value":1000}]}}}}`},
		{"TrailingData", callbackFailure + `{}`},
		{"Truncated", callbackSuccess[:len(callbackSuccess)-3]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseCallback([]byte(tc.body))
			require.ErrorIs(t, err, ErrUnknownShape)
		})
	}
}

// withAmount is the success callback with another Amount value text.
func withAmount(value string) string {
	return strings.Replace(callbackSuccess, `"Value":1.00`, `"Value":`+value, 1)
}

// successWith is the parsed success callback with another amount.
func successWith(cents int64) Callback {
	cb := successWithout()
	cb.AmountCents, cb.HasAmount = cents, true
	return cb
}

// successWithout is the parsed success callback with no Amount value.
func successWithout() Callback {
	return Callback{
		MerchantRequestID: "29115-34620561-1", CheckoutRequestID: "ws_CO_191220191020363925",
		ResultCode: "0", ResultDesc: "The service request is processed successfully.",
		Receipt: "NLJ7RT61SV", TransactionDate: "20191219102115", Phone: "254708374149",
	}
}

func FuzzParseCallback(f *testing.F) {
	for _, seed := range []string{
		callbackSuccess, callbackFailure, callbackOldFive, callbackSFC,
		withAmount(`"1.00"`), withAmount(`1.5`), withAmount(`1.005`), withAmount(`null`),
		`{"Body":{}}`, `{}`, `null`, ``, `{"Body":{"stkCallback":{"CheckoutRequestID":"c","ResultCode":true}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		cb, err := ParseCallback(body)
		if err != nil {
			require.ErrorIs(t, err, ErrUnknownShape)
			require.Equal(t, Callback{}, cb)
			return
		}
		require.NotEmpty(t, cb.CheckoutRequestID)
		require.NotEmpty(t, cb.ResultCode)
		require.GreaterOrEqual(t, cb.AmountCents, int64(0))
		if !cb.HasAmount {
			require.Zero(t, cb.AmountCents)
		}
		_ = Classify(cb.ResultCode) // must not panic either
	})
}
