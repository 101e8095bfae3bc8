package simulator

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// failingTransport refuses every request: fuzzed bodies must not reach any
// server, loopback included.
type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no callbacks while fuzzing")
}

func FuzzPushBody(f *testing.F) {
	b := &testBundle{clock: &clock{now: testNow}}
	b.receiver = &callbackReceiver{srv: &httptest.Server{URL: "http://127.0.0.1:9"}}
	for _, seed := range []string{
		mustJSONF(b.pushBody(nil)),
		mustJSONF(b.pushBody(map[string]any{"TransactionType": "CustomerBuyGoodsOnline"})),
		mustJSONF(b.pushBody(map[string]any{"Amount": 10.5, "PhoneNumber": 254708374149})),
		mustJSONF(b.pushBody(map[string]any{"CallBackURL": "http://[::1"})),
		mustJSONF(b.pushBody(map[string]any{"AccountReference": map[string]any{"x": []any{1, nil}}})),
		`{"BusinessShortCode":1e400}`,
		`{"Amount":"99999999999999999999999"}`,
		`[1,2,3]`, `null`, ``, `{"a":`, "\xff\xfe", `{"Timestamp":"99999999999999"}`,
	} {
		f.Add(seed)
	}

	sim := New(Config{
		Now:        b.clock.Now,
		HTTPClient: &http.Client{Transport: failingTransport{}},
		Logger:     slog.New(slog.DiscardHandler),
	})
	f.Cleanup(sim.Close)
	h := sim.Handler()

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, generatePath, nil))
	req := httptest.NewRequest(http.MethodGet, generatePath, nil)
	req.SetBasicAuth(DefaultConsumerKey, DefaultConsumerSecret)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var tok tokenResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, pushPath, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusInternalServerError:
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
		raw, _ := io.ReadAll(rec.Body)
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("answer is not a JSON object: %q", raw)
		}
		if rec.Code == http.StatusOK {
			if id, _ := m["CheckoutRequestID"].(string); !strings.HasPrefix(id, "ws_CO_") {
				t.Fatalf("accepted without an id: %s", raw)
			}
			return
		}
		if _, ok := m["errorCode"].(string); !ok {
			t.Fatalf("error without errorCode: %s", raw)
		}
	})
}

func mustJSONF(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(raw)
}

// FuzzControlBodies sends any body to the behaviour and chaos routes: the
// answer is 200 or a 400 JSON error, never a panic or another status.
func FuzzControlBodies(f *testing.F) {
	for _, seed := range []string{
		`{"outcome":"insufficient_funds","delay":"2s","callback":"late","late_by":"90s"}`,
		`{"drop_callbacks":0.3,"duplicate_callbacks":0.1,"spike_arrest":0.05,"latency":"200ms","seed":1}`,
		`{"delay":"9999999999h"}`, `{"latency":"1e400s"}`, `{"seed":18446744073709551616}`,
		`{"drop_callbacks":1e400}`, `{}`, `null`, ``, `{"a":`, "\xff\xfe",
	} {
		f.Add(seed)
	}
	sim := New(Config{HTTPClient: &http.Client{Transport: failingTransport{}}, Logger: slog.New(slog.DiscardHandler)})
	f.Cleanup(sim.Close)
	h := sim.Handler()

	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/simulator/v1/behaviours/254712345678", "/simulator/v1/chaos"} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, path, strings.NewReader(body)))
			if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
				t.Fatalf("%s: status %d for %q", path, rec.Code, body)
			}
			var m map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
				t.Fatalf("%s: answer is not a JSON object: %q", path, rec.Body.String())
			}
		}
		if err := sim.SetChaos(Chaos{}); err != nil { // keep later inputs independent
			t.Fatal(err)
		}
	})
}
