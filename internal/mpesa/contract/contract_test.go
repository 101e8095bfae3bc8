package contract

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/mpesa/simulator"
)

func TestContractSimulator(t *testing.T) {
	t.Parallel()
	// The customer approves after 2 s: queries are pending, then final.
	tg := simulatorTarget(t, simulator.Config{Delay: 2 * time.Second})
	runContract(t, tg)
}

// TestContractLive runs the suite against a real Daraja named in the
// environment (see the package doc). Nothing here sets those variables:
// tests never contact Safaricom unless a developer asks for it.
func TestContractLive(t *testing.T) {
	tg := liveTarget()
	if tg == nil {
		t.Skip("SOKOHUB_DARAJA_CONTRACT_URL, _KEY, _SECRET, _SHORTCODE, _PASSKEY and _MSISDN are not all set")
	}
	runContract(t, tg)
}

// contractCase is one point of the reference. live cases hold for the
// real gateway as seen; the others are documented limits that a real
// sandbox was seen to accept (or that would prompt a real phone if it
// did), so they run against the simulator only.
type contractCase struct {
	name string
	live bool
	run  func(t *testing.T, tg *target)
}

// runContract runs the cases one after another: minting a token revokes
// the previous one, so parallel cases would revoke each other's.
func runContract(t *testing.T, tg *target) {
	cases := append(append(append([]contractCase{}, oauthCases...), fieldRuleCases()...), darajaCases...)
	for _, c := range cases {
		if tg.live && !c.live {
			continue
		}
		t.Run(c.name, func(t *testing.T) { c.run(t, tg) })
	}
}

// unknownID has the ws_CO_ form but a date in 2020: no such transaction.
func (tg *target) unknownID() string { return "ws_CO_010120200000001" + tg.msisdn[3:] }

var oauthCases = []contractCase{
	{"TokenIsAStringWithExpiresInAsAString", true, func(t *testing.T, tg *target) {
		a := tg.mint(t)
		require.Equal(t, http.StatusOK, a.status, "%s", a.raw)
		require.Contains(t, a.header.Get("Content-Type"), "application/json")
		m := a.object(t)
		tok, ok := m["access_token"].(string)
		require.True(t, ok, "access_token is a string: %s", a.raw)
		require.Len(t, tok, 28)
		require.Equal(t, "3599", m["expires_in"], "expires_in is the JSON string \"3599\": %s", a.raw)
	}},
	{"AWrongSecretIs400WithAnEmptyBody", true, func(t *testing.T, tg *target) {
		a := tg.do(t, http.MethodGet, oauthPath, basic(tg.key, tg.secret+"x"), nil)
		require.Equal(t, http.StatusBadRequest, a.status)
		require.Empty(t, a.raw)
	}},
	{"AnUnknownKeyIs400WithAnEmptyBody", true, func(t *testing.T, tg *target) {
		a := tg.do(t, http.MethodGet, oauthPath, basic("unknown"+tg.key, tg.secret), nil)
		require.Equal(t, http.StatusBadRequest, a.status)
		require.Empty(t, a.raw)
	}},
	{"ASchemeOtherThanBasicIsInvalidAuthentication", true, func(t *testing.T, tg *target) {
		a := tg.do(t, http.MethodGet, oauthPath, "Bearer "+tg.key, nil)
		requireDarajaError(t, a, http.StatusBadRequest, "400.008.01", "Invalid Authentication passed")
	}},
	{"AnotherGrantTypeIsInvalidGrantType", true, func(t *testing.T, tg *target) {
		a := tg.do(t, http.MethodGet, "/oauth/v1/generate?grant_type=password", basic(tg.key, tg.secret), nil)
		requireDarajaError(t, a, http.StatusBadRequest, "400.008.02", "Invalid grant type passed")
	}},
	{"ANewTokenInvalidatesThePreviousOne", true, func(t *testing.T, tg *target) {
		old := tg.bearer(t)
		cur := tg.bearer(t)
		require.NotEqual(t, old, cur)
		a := tg.do(t, http.MethodPost, queryPath, old, tg.queryBody(tg.unknownID()))
		requireDarajaError(t, a, http.StatusNotFound, "404.001.03", "Invalid Access Token")
		a = tg.do(t, http.MethodPost, queryPath, cur, tg.queryBody(tg.unknownID()))
		requireDarajaError(t, a, http.StatusInternalServerError, "500.001.1001", "The transaction does not Exist")
	}},
	{"ABadTokenIsInvalidAccessToken", true, func(t *testing.T, tg *target) {
		for path, body := range map[string]any{pushPath: tg.pushBody(), queryPath: tg.queryBody(tg.unknownID())} {
			a := tg.do(t, http.MethodPost, path, "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAA", body)
			requireDarajaError(t, a, http.StatusNotFound, "404.001.03", "Invalid Access Token")
		}
	}},
	{"AnUnknownPathIsResourceNotFound", true, func(t *testing.T, tg *target) {
		a := tg.do(t, http.MethodPost, "/mpesa/stkpush/v1/nosuchroute", tg.bearer(t), tg.pushBody())
		requireDarajaError(t, a, http.StatusNotFound, "404.001.01", "Resource not found")
	}},
	{"GetOnAnAPIIsMethodNotAllowed", true, func(t *testing.T, tg *target) {
		a := tg.do(t, http.MethodGet, pushPath, tg.bearer(t), nil)
		requireDarajaError(t, a, http.StatusMethodNotAllowed, "405.001", "Method Not Allowed")
	}},
}

// fieldRuleCases: a valid push with one field broken is refused as
// 400.002.02 "Bad Request - Invalid {Field}", naming that field
// (TransactionDesc is reported as Remarks).
func fieldRuleCases() []contractCase {
	rules := []struct {
		name, field string
		live        bool
		set         func(b map[string]any)
	}{
		{"ShortcodeOfFourDigits", "BusinessShortCode", true, func(b map[string]any) { b["BusinessShortCode"] = "1743" }},
		{"TimestampNotFourteenDigits", "Timestamp", true, func(b map[string]any) { b["Timestamp"] = "2024010112" }},
		{"AmountZero", "Amount", true, func(b map[string]any) { b["Amount"] = "0" }},
		{"AmountAboveTheCeiling", "Amount", false, func(b map[string]any) { b["Amount"] = "250001" }},
		{"AmountWithCents", "Amount", false, func(b map[string]any) { b["Amount"] = "10.50" }},
		{"PhoneNumberInLocalForm", "PhoneNumber", true, func(b map[string]any) { b["PhoneNumber"] = "0712345678" }},
		{"PhoneNumberNotKenyanMobile", "PhoneNumber", true, func(b map[string]any) { b["PhoneNumber"] = "254201234567" }},
		{"PartyAInLocalForm", "PartyA", false, func(b map[string]any) { b["PartyA"] = "0712345678" }},
		{"PartyBOfThreeDigits", "PartyB", false, func(b map[string]any) { b["PartyB"] = "174" }},
		{"TransactionTypeUnknown", "TransactionType", false, func(b map[string]any) { b["TransactionType"] = "CustomerPayBill" }},
		{"CallBackURLNotAURL", "CallBackURL", true, func(b map[string]any) { b["CallBackURL"] = "not a url" }},
		{"CallBackURLWithWhitespace", "CallBackURL", true, func(b map[string]any) {
			b["CallBackURL"] = strings.Replace(b["CallBackURL"].(string), "/callback", "/call back", 1) + " "
		}},
		{"CallBackURLWithAnUppercaseHost", "CallBackURL", true, func(b map[string]any) {
			b["CallBackURL"] = "https://EXAMPLE.COM/sokohub/contract/callback"
		}},
		{"TransactionDescMissing", "Remarks", true, func(b map[string]any) { delete(b, "TransactionDesc") }},
		{"TransactionDescNull", "Remarks", true, func(b map[string]any) { b["TransactionDesc"] = nil }},
		{"TransactionDescOverThirteen", "Remarks", false, func(b map[string]any) { b["TransactionDesc"] = "Fourteen chars" }},
	}
	cases := make([]contractCase, 0, len(rules))
	for _, r := range rules {
		cases = append(cases, contractCase{"InvalidField/" + r.name, r.live, func(t *testing.T, tg *target) {
			b := tg.pushBody()
			r.set(b)
			a := tg.do(t, http.MethodPost, pushPath, tg.bearer(t), b)
			requireDarajaError(t, a, http.StatusBadRequest, "400.002.02", "Bad Request - Invalid "+r.field)
		}})
	}
	return cases
}

var darajaCases = []contractCase{
	{"AWrongPasswordIsWrongCredentials", true, func(t *testing.T, tg *target) {
		b := tg.pushBody()
		b["Password"] = password(tg.shortcode, tg.passkey+"0", b["Timestamp"].(string))
		a := tg.do(t, http.MethodPost, pushPath, tg.bearer(t), b)
		requireDarajaError(t, a, http.StatusInternalServerError, "500.001.1001", "Wrong credentials")
	}},
	{"AnUnknownShortcodeIsMerchantDoesNotExist", true, func(t *testing.T, tg *target) {
		const unknown = "9999999"
		b := tg.pushBody()
		b["BusinessShortCode"], b["PartyB"] = unknown, unknown
		b["Password"] = password(unknown, tg.passkey, b["Timestamp"].(string))
		a := tg.do(t, http.MethodPost, pushPath, tg.bearer(t), b)
		requireDarajaError(t, a, http.StatusInternalServerError, "500.001.1001", "Merchant does not exist")
	}},
	{"QueryOfAnUnknownIDDoesNotExist", true, func(t *testing.T, tg *target) {
		a := tg.do(t, http.MethodPost, queryPath, tg.bearer(t), tg.queryBody(tg.unknownID()))
		requireDarajaError(t, a, http.StatusInternalServerError, "500.001.1001", "The transaction does not Exist")
	}},
	{"PushIsAcceptedThenQueriesArePendingThenFinal", true, func(t *testing.T, tg *target) {
		auth := tg.bearer(t)
		b := tg.pushBody()
		// The official sample's mixed types: the shortcode a number, the
		// amount a string.
		b["BusinessShortCode"] = json.Number(tg.shortcode)
		sent := time.Now()
		push := requireAccepted(t, tg.do(t, http.MethodPost, pushPath, auth, b), tg.msisdn, sent)

		deadline := time.Now().Add(tg.pollFor)
		var pending, exact int
		var final map[string]any
		for final == nil {
			require.True(t, time.Now().Before(deadline), "no final query answer after %s (%d pending)", tg.pollFor, pending)
			q := tg.do(t, http.MethodPost, queryPath, auth, tg.queryBody(push.checkoutID))
			var shape string
			if final, shape = queryAnswer(t, q, push, tg.live); final == nil {
				pending++
				if shape != "" {
					exact++
				}
				time.Sleep(tg.pollEvery)
			}
		}
		require.Positive(t, pending, "the customer needs a moment: queries are pending first")
		require.Positive(t, exact, "at least one pending answer in one of the three seen shapes")
		if tg.wantFinal != "" {
			require.Equal(t, tg.wantFinal, final["ResultCode"])
			require.Equal(t, tg.wantFinalMsg, final["ResultDesc"])
		}
		again, _ := queryAnswer(t, tg.do(t, http.MethodPost, queryPath, auth, tg.queryBody(push.checkoutID)), push, tg.live)
		require.NotNil(t, again, "a final answer stays final")
		require.Equal(t, final["ResultCode"], again["ResultCode"])
	}},
}

// accepted is a push Daraja accepted.
type accepted struct{ checkoutID, merchantID string }

// checkoutIDForm is ws_CO_ + DDMMYYYYHHmmss (Nairobi) + 1–3 digits + the
// last 9 digits of the MSISDN.
var checkoutIDForm = regexp.MustCompile(`^ws_CO_(\d{14})(\d{1,3})(\d{9})$`)

// requireAccepted asserts the synchronous success shape: HTTP 200 and
// five strings, ResponseCode "0" — accepted, never paid.
func requireAccepted(t *testing.T, a answer, msisdn string, sent time.Time) accepted {
	t.Helper()
	require.Equal(t, http.StatusOK, a.status, "%s", a.raw)
	m := a.object(t)
	for _, f := range []string{"MerchantRequestID", "CheckoutRequestID", "ResponseCode", "ResponseDescription", "CustomerMessage"} {
		v, ok := m[f].(string)
		require.True(t, ok && v != "", "%s is a non-empty string: %s", f, a.raw)
	}
	require.Equal(t, "0", m["ResponseCode"])
	require.Equal(t, "Success. Request accepted for processing", m["ResponseDescription"])
	require.Equal(t, "Success. Request accepted for processing", m["CustomerMessage"])
	id := m["CheckoutRequestID"].(string)
	parts := checkoutIDForm.FindStringSubmatch(id)
	require.NotNil(t, parts, "CheckoutRequestID %q has the ws_CO_ form", id)
	stamp, err := time.ParseInLocation("02012006150405", parts[1], nairobi)
	require.NoError(t, err, "%q carries DDMMYYYYHHmmss", id)
	require.WithinDuration(t, sent, stamp, 5*time.Minute, "%q carries the Nairobi time of the push", id)
	require.Equal(t, msisdn[3:], parts[3], "%q ends with the phone's last 9 digits", id)
	return accepted{checkoutID: id, merchantID: m["MerchantRequestID"].(string)}
}

// Pending query shapes seen on the sandbox.
const (
	shapeBeingProcessed = "HTTP 500 500.001.1001 The transaction is being processed"
	shapeStillUnder     = "HTTP 200 ResultCode 4999"
	shapeEmptyMessage   = "HTTP 200 500.001.1001 with an empty message"
)

// queryAnswer reads one STK Query answer for push: the final body, or nil
// and which pending shape it was ("" for the intermittent 500.001.1001 or,
// live, a throttling answer). Any other answer fails the test.
func queryAnswer(t *testing.T, a answer, push accepted, live bool) (final map[string]any, shape string) {
	t.Helper()
	m := a.object(t)
	if code, isErr := m["errorCode"]; isErr {
		msg, _ := m["errorMessage"].(string)
		switch {
		case a.status == http.StatusInternalServerError && code == "500.001.1001" && msg == "The transaction is being processed":
			return nil, shapeBeingProcessed
		case a.status == http.StatusOK && code == "500.001.1001" && msg == "":
			return nil, shapeEmptyMessage
		case code == "500.001.1001" && msg != "The transaction does not Exist":
			return nil, "" // intermittent: "no answer yet, ask again"
		case live && (code == "500.003.02" || code == "500.003.03"):
			return nil, "" // our own polling was throttled
		}
		require.Failf(t, "not a query answer for a live transaction", "HTTP %d %s", a.status, a.raw)
	}
	require.Equal(t, http.StatusOK, a.status, "%s", a.raw)
	for _, f := range []string{"ResponseCode", "ResponseDescription", "MerchantRequestID", "CheckoutRequestID", "ResultCode", "ResultDesc"} {
		_, ok := m[f].(string)
		require.True(t, ok, "%s is a string (ResultCode too, unlike the callback): %s", f, a.raw)
	}
	require.Equal(t, "0", m["ResponseCode"])
	require.Equal(t, "The service request has been accepted successsfully", m["ResponseDescription"], "three s's, as Daraja spells it")
	require.Equal(t, push.checkoutID, m["CheckoutRequestID"])
	require.Equal(t, push.merchantID, m["MerchantRequestID"])
	if m["ResultCode"] == "4999" {
		return nil, shapeStillUnder
	}
	return m, ""
}
