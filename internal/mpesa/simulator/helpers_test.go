package simulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testNow is the fixed wall time of most tests: 2019-12-19 10:21:15 EAT, the
// TransactionDate of the reference callback.
var testNow = time.Date(2019, 12, 19, 10, 21, 15, 0, nairobi)

const testPhone = "254712345678"

// clock is a settable Config.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// receivedCallback is one POST the callback receiver got.
type receivedCallback struct {
	Path   string
	Header http.Header
	Body   string
}

// callbackReceiver is a loopback server standing in for our gateway's
// callback route.
type callbackReceiver struct {
	srv    *httptest.Server
	status atomic.Int32
	got    chan receivedCallback
}

func newCallbackReceiver(t *testing.T) *callbackReceiver {
	t.Helper()
	rc := &callbackReceiver{got: make(chan receivedCallback, 4096)}
	rc.status.Store(http.StatusOK)
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		select { // never block the simulator: a full buffer drops the callback
		case rc.got <- receivedCallback{Path: r.URL.Path, Header: r.Header.Clone(), Body: string(body)}:
		default:
		}
		w.WriteHeader(int(rc.status.Load()))
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// next waits for the next callback.
func (rc *callbackReceiver) next(t *testing.T) receivedCallback {
	t.Helper()
	select {
	case cb := <-rc.got:
		return cb
	case <-time.After(5 * time.Second):
		t.Fatal("no callback within 5s")
		return receivedCallback{}
	}
}

// none asserts no callback arrives within d.
func (rc *callbackReceiver) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case cb := <-rc.got:
		t.Fatalf("unexpected callback: %s", cb.Body)
	case <-time.After(d):
	}
}

type testBundle struct {
	sim      *Simulator
	srv      *httptest.Server
	clock    *clock
	receiver *callbackReceiver
}

// setup starts a simulator (Delay 0 unless cfg says otherwise) behind an
// httptest server, with a callback receiver.
func setup(t *testing.T, cfg Config) *testBundle {
	t.Helper()
	b := &testBundle{clock: &clock{now: testNow}, receiver: newCallbackReceiver(t)}
	if cfg.Now == nil {
		cfg.Now = b.clock.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	b.sim = New(cfg)
	b.srv = httptest.NewServer(b.sim.Handler())
	t.Cleanup(func() {
		b.srv.Close()
		b.sim.Close()
	})
	return b
}

// do sends a request to the simulator and returns status and body. A string
// body is sent as is; anything else is JSON-encoded.
func (b *testBundle) do(t *testing.T, method, path string, header http.Header, body any) (int, string) {
	t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(v)
	default:
		raw, err := json.Marshal(v)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, b.srv.URL+path, rd)
	require.NoError(t, err)
	maps.Copy(req.Header, header)
	if rd != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(raw)
}

func basicHeader(key, secret string) http.Header {
	return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(key+":"+secret))}}
}

func bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

// token mints an access token for the default app.
func (b *testBundle) token(t *testing.T) string {
	t.Helper()
	status, body := b.do(t, http.MethodGet, "/oauth/v1/generate?grant_type=client_credentials",
		basicHeader(DefaultConsumerKey, DefaultConsumerSecret), nil)
	require.Equal(t, http.StatusOK, status, body)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &tok))
	return tok.AccessToken
}

// timestamp is the Daraja Timestamp of the bundle's clock.
func (b *testBundle) timestamp() string { return b.clock.Now().In(nairobi).Format("20060102150405") }

// pushBody returns a valid paybill push for testPhone, with overrides
// applied (a nil value deletes the field).
func (b *testBundle) pushBody(overrides map[string]any) map[string]any {
	ts := b.timestamp()
	body := map[string]any{
		"BusinessShortCode": 174379,
		"Password":          base64.StdEncoding.EncodeToString([]byte(DefaultPaybill + SandboxPasskey + ts)),
		"Timestamp":         ts,
		"TransactionType":   "CustomerPayBillOnline",
		"Amount":            "1",
		"PartyA":            testPhone,
		"PartyB":            174379,
		"PhoneNumber":       testPhone,
		"CallBackURL":       b.receiver.srv.URL + "/callbacks/stk/tok123",
		"AccountReference":  "ORDER-1",
		"TransactionDesc":   "Payment",
	}
	for k, v := range overrides {
		if v == nil {
			delete(body, k)
		} else {
			body[k] = v
		}
	}
	return body
}

// phoneBody is pushBody for another phone (PartyA and PhoneNumber).
func (b *testBundle) phoneBody(phone string) map[string]any {
	return b.pushBody(map[string]any{"PartyA": phone, "PhoneNumber": phone})
}

// push sends an STK push and decodes a 200 answer.
func (b *testBundle) push(t *testing.T, token string, body any) pushResponse {
	t.Helper()
	status, raw := b.do(t, http.MethodPost, "/mpesa/stkpush/v1/processrequest", bearer(token), body)
	require.Equal(t, http.StatusOK, status, raw)
	var resp pushResponse
	require.NoError(t, json.Unmarshal([]byte(raw), &resp))
	return resp
}

// queryBody is a valid query for the default paybill.
func (b *testBundle) queryBody(id string) map[string]any {
	ts := b.timestamp()
	return map[string]any{
		"BusinessShortCode": DefaultPaybill,
		"Password":          base64.StdEncoding.EncodeToString([]byte(DefaultPaybill + SandboxPasskey + ts)),
		"Timestamp":         ts,
		"CheckoutRequestID": id,
	}
}

func (b *testBundle) query(t *testing.T, token, id string) (int, map[string]any) {
	t.Helper()
	status, raw := b.do(t, http.MethodPost, "/mpesa/stkpushquery/v1/query", bearer(token), b.queryBody(id))
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(raw), &m), raw)
	return status, m
}

// waitState waits until the transaction reaches state.
func (b *testBundle) waitState(t *testing.T, id string, state State) Transaction {
	t.Helper()
	var tx Transaction
	require.Eventually(t, func() bool {
		tx, _ = b.sim.Transaction(id)
		return tx.State == state
	}, 5*time.Second, 5*time.Millisecond, "transaction %s never reached %s", id, state)
	return tx
}

// requireDarajaError checks a {"requestId","errorCode","errorMessage"} answer.
func requireDarajaError(t *testing.T, status int, body string, wantStatus int, wantCode, wantMsg string) {
	t.Helper()
	require.Equal(t, wantStatus, status, body)
	var e map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &e), body)
	require.Len(t, e, 3, body)
	require.NotEmpty(t, e["requestId"])
	require.Equal(t, wantCode, e["errorCode"], body)
	require.Equal(t, wantMsg, e["errorMessage"], body)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return string(raw)
}

func jsonUnmarshal(raw string, v any) error { return json.Unmarshal([]byte(raw), v) }

// newLoopbackServer serves h on 127.0.0.1 and returns its base URL.
func newLoopbackServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// waitCallbacks waits until n callback attempts are recorded.
func (b *testBundle) waitCallbacks(t *testing.T, id string, n int) Transaction {
	t.Helper()
	var tx Transaction
	require.Eventually(t, func() bool {
		tx, _ = b.sim.Transaction(id)
		return len(tx.Callbacks) >= n
	}, 5*time.Second, 5*time.Millisecond, "transaction %s: fewer than %d callback attempts", id, n)
	require.Len(t, tx.Callbacks, n)
	return tx
}
