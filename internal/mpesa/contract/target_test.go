package contract

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/mpesa/simulator"
)

// Daraja routes.
const (
	oauthPath = "/oauth/v1/generate?grant_type=client_credentials"
	pushPath  = "/mpesa/stkpush/v1/processrequest"
	queryPath = "/mpesa/stkpushquery/v1/query"
)

// nairobi is EAT (UTC+3, no daylight saving): Timestamps and ids use it.
var nairobi = time.FixedZone("EAT", 3*60*60)

// target is a Daraja to test: its base URL, one app and paybill, and the
// phone the one real push goes to.
type target struct {
	base                    string
	key, secret             string
	shortcode, passkey      string
	msisdn, callbackURL     string
	live                    bool
	pollEvery, pollFor      time.Duration
	wantFinal, wantFinalMsg string // the lifecycle push's result; "" accepts any final result
}

// simulatorTarget starts a simulator configured by cfg, and a sink for
// the callbacks of pushes to its default phone.
func simulatorTarget(t *testing.T, cfg simulator.Config) *target {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	sim := simulator.New(cfg)
	srv := httptest.NewServer(sim.Handler())
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(func() { srv.Close(); sim.Close(); sink.Close() })
	return &target{base: srv.URL, key: simulator.DefaultConsumerKey, secret: simulator.DefaultConsumerSecret,
		shortcode: simulator.DefaultPaybill, passkey: simulator.SandboxPasskey, msisdn: "254712345678",
		callbackURL: sink.URL + "/callbacks/contract", pollEvery: 100 * time.Millisecond, pollFor: 30 * time.Second,
		wantFinal: "0", wantFinalMsg: "The service request is processed successfully."}
}

// liveTarget reads a real Daraja from the environment; nil when it is not
// configured.
func liveTarget() *target {
	env := func(k string) string { return os.Getenv("SOKOHUB_DARAJA_CONTRACT_" + k) }
	tg := &target{base: strings.TrimRight(env("URL"), "/"), key: env("KEY"), secret: env("SECRET"),
		shortcode: env("SHORTCODE"), passkey: env("PASSKEY"), msisdn: env("MSISDN"),
		callbackURL: env("CALLBACK_URL"), live: true, pollEvery: 3 * time.Second, pollFor: 3 * time.Minute}
	for _, v := range []string{tg.base, tg.key, tg.secret, tg.shortcode, tg.passkey, tg.msisdn} {
		if v == "" {
			return nil
		}
	}
	if tg.callbackURL == "" {
		tg.callbackURL = "https://example.com/sokohub/contract/callback"
	}
	return tg
}

// answer is one HTTP exchange's response.
type answer struct {
	status int
	header http.Header
	raw    []byte
}

// object decodes the body as one JSON object, keeping numbers as
// json.Number so tests can tell a JSON number from a string.
func (a answer) object(t *testing.T) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(a.raw))
	dec.UseNumber()
	var m map[string]any
	require.NoError(t, dec.Decode(&m), "a JSON object: %q", a.raw)
	return m
}

// do sends one request; body is JSON-encoded unless it is a string.
func (tg *target) do(t *testing.T, method, path, authorization string, body any) answer {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, tg.base+path, rd)
	require.NoError(t, err)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return answer{status: res.StatusCode, header: res.Header, raw: raw}
}

func basic(key, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":"+secret))
}

// mint asks for a new access token and returns the OAuth answer.
func (tg *target) mint(t *testing.T) answer {
	t.Helper()
	return tg.do(t, http.MethodGet, oauthPath, basic(tg.key, tg.secret), nil)
}

// bearer mints a token and returns it as an Authorization value.
func (tg *target) bearer(t *testing.T) string {
	t.Helper()
	a := tg.mint(t)
	require.Equal(t, http.StatusOK, a.status, "%s", a.raw)
	tok, ok := a.object(t)["access_token"].(string)
	require.True(t, ok, "access_token is a string: %s", a.raw)
	return "Bearer " + tok
}

// timestamp is now as Daraja's YYYYMMDDHHmmss in Nairobi time.
func timestamp() string { return time.Now().In(nairobi).Format("20060102150405") }

func password(shortcode, passkey, ts string) string {
	return base64.StdEncoding.EncodeToString([]byte(shortcode + passkey + ts))
}

// pushBody is a valid paybill push of KES 1 to the target's phone, every
// field a string.
func (tg *target) pushBody() map[string]any {
	ts := timestamp()
	return map[string]any{
		"BusinessShortCode": tg.shortcode,
		"Password":          password(tg.shortcode, tg.passkey, ts),
		"Timestamp":         ts,
		"TransactionType":   "CustomerPayBillOnline",
		"Amount":            "1",
		"PartyA":            tg.msisdn,
		"PartyB":            tg.shortcode,
		"PhoneNumber":       tg.msisdn,
		"CallBackURL":       tg.callbackURL,
		"AccountReference":  "CONTRACT-1",
		"TransactionDesc":   "Contract test",
	}
}

// queryBody asks about id with a fresh timestamp.
func (tg *target) queryBody(id string) map[string]any { return queryBody(tg.shortcode, tg.passkey, id) }

func queryBody(shortcode, passkey, id string) map[string]any {
	ts := timestamp()
	return map[string]any{"BusinessShortCode": shortcode, "Password": password(shortcode, passkey, ts),
		"Timestamp": ts, "CheckoutRequestID": id}
}

// requireDarajaError asserts Daraja's error shape: HTTP status, and
// {"requestId","errorCode","errorMessage"}, all strings.
func requireDarajaError(t *testing.T, a answer, status int, code, message string) {
	t.Helper()
	require.Equal(t, status, a.status, "%s", a.raw)
	m := a.object(t)
	id, ok := m["requestId"].(string)
	require.True(t, ok && id != "", "requestId is a non-empty string: %s", a.raw)
	require.Equal(t, code, m["errorCode"], "%s", a.raw)
	require.Equal(t, message, m["errorMessage"], "%s", a.raw)
}
