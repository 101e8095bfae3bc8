package mpesa

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// answer is a scripted Daraja reply.
type answer struct {
	status int
	body   string
}

// recorded is one STK request the fake received.
type recorded struct {
	auth        string
	contentType string
	valid       bool // the bearer token was the app's current one
	body        map[string]any
}

// fakeDaraja is an httptest server that behaves like Daraja on the points
// the client depends on: Basic auth on OAuth, one valid token per app
// (minting invalidates the previous one), 404.001.03 for a bad bearer.
type fakeDaraja struct {
	srv *httptest.Server

	mu        sync.Mutex
	apps      map[string]string // "key:secret" -> current valid token
	mints     int
	mintDelay time.Duration
	expiresIn string  // raw JSON for expires_in
	mintReply *answer // overrides the OAuth answer when set
	pushes    []recorded
	queries   []recorded
	// stk answers a valid STK request (n counts from 0 per endpoint);
	// nil answers with acceptance or a final "0".
	push  func(n int, body map[string]any) answer
	query func(n int, body map[string]any) answer
	delay time.Duration // before answering an STK request
}

// newFakeDaraja starts a fake that knows the given credentials' apps.
func newFakeDaraja(t *testing.T, creds ...Credentials) *fakeDaraja {
	t.Helper()
	f := &fakeDaraja{apps: map[string]string{}, expiresIn: `"3599"`}
	for _, c := range creds {
		f.apps[c.ConsumerKey+":"+c.ConsumerSecret] = ""
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth/v1/generate", f.oauth)
	mux.HandleFunc("POST /mpesa/stkpush/v1/processrequest", func(w http.ResponseWriter, r *http.Request) {
		f.stk(w, r, &f.pushes, func(n int, b map[string]any) answer {
			if f.push != nil {
				return f.push(n, b)
			}
			return acceptedAnswer(n)
		})
	})
	mux.HandleFunc("POST /mpesa/stkpushquery/v1/query", func(w http.ResponseWriter, r *http.Request) {
		f.stk(w, r, &f.queries, func(n int, b map[string]any) answer {
			if f.query != nil {
				return f.query(n, b)
			}
			return answer{200, `{"ResponseCode":"0","ResponseDescription":"The service request has been accepted successsfully","MerchantRequestID":"m","CheckoutRequestID":"c","ResultCode":"0","ResultDesc":"The service request is processed successfully."}`}
		})
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// acceptedAnswer is Daraja's synchronous success.
func acceptedAnswer(n int) answer {
	return answer{200, fmt.Sprintf(`{"MerchantRequestID":"29115-34620561-%d","CheckoutRequestID":"ws_CO_03122026103000%03d708374149","ResponseCode":"0","ResponseDescription":"Success. Request accepted for processing","CustomerMessage":"Success. Request accepted for processing"}`, n+1, n+1)}
}

func (f *fakeDaraja) oauth(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.mints++
	n, delay, reply := f.mints, f.mintDelay, f.mintReply
	f.mu.Unlock()
	time.Sleep(delay)
	if reply != nil {
		w.WriteHeader(reply.status)
		io.WriteString(w, reply.body)
		return
	}
	if r.URL.Query().Get("grant_type") != "client_credentials" {
		w.WriteHeader(400)
		io.WriteString(w, `{"requestId":"r","errorCode":"400.008.02","errorMessage":"Invalid grant type passed"}`)
		return
	}
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Basic ")
	if !ok {
		w.WriteHeader(400)
		io.WriteString(w, `{"requestId":"r","errorCode":"400.008.01","errorMessage":"Invalid Authentication passed"}`)
		return
	}
	pair, _ := base64.StdEncoding.DecodeString(raw)
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, known := f.apps[string(pair)]; !known {
		w.WriteHeader(400) // seen: wrong key/secret is an empty 400
		return
	}
	tok := fmt.Sprintf("tok%025d", n) // 28 characters like Daraja's
	f.apps[string(pair)] = tok        // the previous token dies
	fmt.Fprintf(w, `{"access_token":%q,"expires_in":%s}`, tok, f.expiresIn)
}

func (f *fakeDaraja) stk(w http.ResponseWriter, r *http.Request, log *[]recorded, reply func(int, map[string]any) answer) {
	var body map[string]any
	raw, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(raw, &body)
	f.mu.Lock()
	valid := false
	for _, tok := range f.apps {
		if tok != "" && r.Header.Get("Authorization") == "Bearer "+tok {
			valid = true
		}
	}
	n := 0 // earlier requests that got past the token check
	for _, rec := range *log {
		if rec.valid {
			n++
		}
	}
	*log = append(*log, recorded{auth: r.Header.Get("Authorization"), contentType: r.Header.Get("Content-Type"), valid: valid, body: body})
	delay := f.delay
	f.mu.Unlock()
	time.Sleep(delay)
	a := answer{404, `{"requestId":"r","errorCode":"404.001.03","errorMessage":"Invalid Access Token"}`}
	if valid {
		a = reply(n, body)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

// revoke kills every current token, as a mint elsewhere would.
func (f *fakeDaraja) revoke() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k := range f.apps {
		f.apps[k] = "revoked"
	}
}

// counts returns mints, pushes and queries so far.
func (f *fakeDaraja) counts() (mints, pushes, queries int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mints, len(f.pushes), len(f.queries)
}

// lastPush returns the last push request received.
func (f *fakeDaraja) lastPush(t *testing.T) recorded {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	require.NotEmpty(t, f.pushes)
	return f.pushes[len(f.pushes)-1]
}

// fixedNow is the clock used by client tests: 2026-12-03 21:30 UTC.
func fixedNow() time.Time { return time.Date(2026, 12, 3, 21, 30, 0, 0, time.UTC) }

// newTestClient returns a client for f with a fixed clock and fast polling.
func newTestClient(f *fakeDaraja, tokens TokenCache) *Client {
	c := NewClient(Options{BaseURL: f.srv.URL, Tokens: tokens, Now: fixedNow})
	c.pollEvery = 5 * time.Millisecond
	return c
}

// validPush is a push request that passes local validation.
func validPush() PushRequest {
	return PushRequest{
		Amount: 10, Phone: "254708374149", CallbackURL: "https://pay.sokohub.test/callbacks/stk/abc123",
		AccountReference: "Order #1042", Description: "Duka la Mama order",
	}
}
