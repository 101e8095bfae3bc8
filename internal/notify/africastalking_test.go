package notify

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeAT serves Africa's Talking's messaging API shape; status picks the
// per-recipient statusCode of its answers (httpStatus, when set, fails the
// whole request instead).
type fakeAT struct {
	mu         sync.Mutex
	srv        *httptest.Server
	forms      []map[string]string
	headers    []http.Header
	status     int
	httpStatus int
}

func newFakeAT(t *testing.T) *fakeAT {
	t.Helper()
	f := &fakeAT{status: 101}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if r.Method != http.MethodPost || r.URL.Path != "/version1/messaging" {
			http.NotFound(w, r)
			return
		}
		_ = r.ParseForm()
		form := map[string]string{}
		for k := range r.PostForm {
			form[k] = r.PostForm.Get(k)
		}
		f.forms, f.headers = append(f.forms, form), append(f.headers, r.Header.Clone())
		if f.httpStatus != 0 {
			w.WriteHeader(f.httpStatus)
			_, _ = w.Write([]byte("The supplied authentication is invalid"))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"SMSMessageData": map[string]any{"Message": "Sent to 1/1 Total Cost: KES 0.8000",
			"Recipients": []map[string]any{{"statusCode": f.status, "number": form["to"], "status": statusName[f.status],
				"cost": "KES 0.8000", "messageId": "ATXid_test1"}}}})
	}))
	t.Cleanup(f.srv.Close)
	return f
}

var statusName = map[int]string{101: "Success", 102: "Queued", 403: "InvalidPhoneNumber", 406: "UserInBlacklist",
	405: "InsufficientBalance", 500: "InternalServerError", 502: "RejectedByGateway"}

func (f *fakeAT) set(status, httpStatus int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.httpStatus = status, httpStatus
}

func TestAfricasTalking(t *testing.T) {
	t.Parallel()
	f := newFakeAT(t)
	p := &AfricasTalking{BaseURL: f.srv.URL + "/", Username: "sokohub", APIKey: "atsk_secret", Sender: "SOKOHUB"}
	n := &Notification{ID: "ntf_1", Recipient: "254712345678", Body: "Kiosk: order #1001 is paid."}

	ref, err := p.Send(t.Context(), n)
	require.NoError(t, err)
	require.Equal(t, "ATXid_test1", ref)
	require.Equal(t, map[string]string{"username": "sokohub", "to": "+254712345678", "message": n.Body, "from": "SOKOHUB"}, f.forms[0])
	h := f.headers[0]
	require.Equal(t, "atsk_secret", h.Get("apiKey"))
	require.Equal(t, "application/json", h.Get("Accept"))
	require.Equal(t, "application/x-www-form-urlencoded", h.Get("Content-Type"))

	n.Sender = "KIOSK"
	_, err = p.Send(t.Context(), n)
	require.NoError(t, err)
	require.Equal(t, "KIOSK", f.forms[1]["from"], "the store's sender id wins")

	for _, tc := range []struct {
		status, httpStatus int
		permanent          bool
	}{
		{102, 0, false}, // queued is success
		{403, 0, true}, {405, 0, true}, {406, 0, true},
		{500, 0, false}, {502, 0, false},
		{0, http.StatusUnauthorized, false}, {0, http.StatusServiceUnavailable, false},
		{0, http.StatusBadRequest, true},
	} {
		f.set(tc.status, tc.httpStatus)
		_, err := p.Send(t.Context(), n)
		if tc.status == 102 {
			require.NoError(t, err)
			continue
		}
		require.Error(t, err, "%+v", tc)
		require.Equal(t, tc.permanent, isPermanent(err), "%+v: %v", tc, err)
		require.NotContains(t, err.Error(), "atsk_secret")
	}
}

func isPermanent(err error) bool { return errors.Is(err, ErrPermanent) }
