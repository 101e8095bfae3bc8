package simulator

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// mounted serves a simulator under /daraja as the dev server does.
func mounted(t *testing.T, b *testBundle) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/daraja/", http.StripPrefix("/daraja", b.sim.Handler()))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func getPage(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(raw)
}

func TestPhonePage(t *testing.T) {
	t.Parallel()

	t.Run("ShowsPromptsWithLinksUnderBasePath", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{BasePath: "/daraja/"})
		srv := mounted(t, b)
		tok := b.token(t)
		paid := b.push(t, tok, b.phoneBody(PhoneWaits))
		require.NoError(t, b.sim.Answer(paid.CheckoutRequestID, ActionPIN))
		waiting := b.push(t, tok, b.pushBody(map[string]any{
			"PartyA": PhoneWaits, "PhoneNumber": PhoneWaits, "Amount": 1500, "AccountReference": "A<b>&1",
		}))

		status, page := getPage(t, srv.Client(), srv.URL+"/daraja/simulator/phone/"+PhoneWaits)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, page, "Pay KES 1,500 to SOKOHUB SANDBOX Account no. A&lt;b&gt;&amp;1")
		require.Contains(t, page, `action="/daraja/simulator/v1/transactions/`+waiting.CheckoutRequestID+`/answer"`)
		require.Contains(t, page, `name="pin"`)
		require.Contains(t, page, `value="cancel"`)
		require.NotContains(t, page, `http-equiv="refresh"`, "no refresh while a prompt waits for the human")
		tx, _ := b.sim.Transaction(paid.CheckoutRequestID)
		require.Contains(t, page, tx.Receipt)
		require.Less(t, strings.Index(page, waiting.CheckoutRequestID), strings.Index(page, paid.CheckoutRequestID), "newest first")
		require.Contains(t, page, `href="/daraja/simulator/phone/`+PhoneCancels+`"`, "legend links")
		require.Contains(t, page, "0000")
		require.NotContains(t, page, "<script")
		require.NotContains(t, page, `src="http`)
	})

	t.Run("RefreshesWhenNothingWaits", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		status, page := getPage(t, b.srv.Client(), b.srv.URL+"/simulator/phone/"+testPhone)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, page, `<meta http-equiv="refresh" content="2">`)
		require.Contains(t, page, `name="viewport"`)
		require.Contains(t, page, "No prompts yet")

		status, _ = getPage(t, b.srv.Client(), b.srv.URL+"/simulator/phone/0712345678")
		require.Equal(t, http.StatusNotFound, status)
	})

	for name, tt := range map[string]struct {
		form url.Values
		want string
	}{
		"PIN":      {url.Values{"action": {"pin"}, "pin": {"1234"}}, "0"},
		"WrongPIN": {url.Values{"action": {"pin"}, "pin": {"0000"}}, "2001"},
		"Cancel":   {url.Values{"action": {"cancel"}}, "1032"},
	} {
		t.Run("AnswerByForm"+name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{BasePath: "/daraja"})
			srv := mounted(t, b)
			resp := b.push(t, b.token(t), b.phoneBody(PhoneWaits))

			c := srv.Client()
			c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			r, err := c.PostForm(srv.URL+"/daraja/simulator/v1/transactions/"+resp.CheckoutRequestID+"/answer", tt.form)
			require.NoError(t, err)
			r.Body.Close()
			require.Equal(t, http.StatusSeeOther, r.StatusCode)
			require.Equal(t, "/daraja/simulator/phone/"+PhoneWaits, r.Header.Get("Location"))

			tx, _ := b.sim.Transaction(resp.CheckoutRequestID)
			require.Equal(t, tt.want, tx.ResultCode)
			require.Contains(t, b.receiver.next(t).Body, `"ResultCode":`+tt.want+`,`)

			// Answering again just shows the phone.
			r, err = c.PostForm(srv.URL+"/daraja/simulator/v1/transactions/"+resp.CheckoutRequestID+"/answer", tt.form)
			require.NoError(t, err)
			r.Body.Close()
			require.Equal(t, http.StatusSeeOther, r.StatusCode)
		})
	}
}

func TestIndexPage(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{BasePath: "/daraja", Logger: slog.New(slog.DiscardHandler)})
	srv := mounted(t, b)
	resp := b.push(t, b.token(t), b.pushBody(nil))
	b.waitCallbacks(t, resp.CheckoutRequestID, 1)

	for _, path := range []string{"/daraja/simulator", "/daraja/simulator/", "/daraja/"} {
		status, page := getPage(t, srv.Client(), srv.URL+path)
		require.Equal(t, http.StatusOK, status, path)
		require.Contains(t, page, `href="/daraja/simulator/phone/`+testPhone+`"`)
		require.Contains(t, page, `href="/daraja/simulator/v1/transactions/`+resp.CheckoutRequestID+`"`)
		require.Contains(t, page, "Paid")
		require.Contains(t, page, "174381")
	}
}
