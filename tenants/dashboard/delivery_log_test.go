package dashboard_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/devstack"
	"github.com/sokohub/sokohub/internal/devstack/stacktest"
	"github.com/sokohub/sokohub/internal/webhooks"
)

// The delivery log, in the merchant's Webhooks page and in the console,
// shows each attempt as time, status, duration and error: not a Go dump
// of the attempt records ("[{wha_… map[Content-Type:…] …}]").
func TestDeliveryLogShowsEachAttempt(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{Admin: true})
	st, _ := demo(t, s)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	t.Cleanup(receiver.Close)
	ctx := context.Background()
	ok, _, err := s.App.Endpoints.Create(ctx, s.App.DB, st.ID, receiver.URL+"/hook", []string{"order.paid"})
	require.NoError(t, err)
	down, _, err := s.App.Endpoints.Create(ctx, s.App.DB, st.ID, "http://127.0.0.1:9/hook", []string{"order.paid"})
	require.NoError(t, err)

	m := newMerchant(t, s)
	m.login(devstack.DemoEmail, devstack.DemoPassword)
	const page = "/dashboard/demo/webhooks"
	for _, ep := range []*webhooks.Endpoint{ok, down} {
		res := m.submit(page, page+"/"+ep.ID+"/test", url.Values{})
		require.Equal(t, http.StatusSeeOther, res.Status, res.Body)
	}
	log := untilPage(t, m, page, "HTTP 202", "no answer")
	row := regexpFind(t, `(?s)<tr><td>[^<]*</td><td>endpoint\.test<br>.*?HTTP 202.*?</tr>`, log)
	require.Regexp(t, `\d{1,2} [A-Z][a-z]{2}, \d\d:\d\d:\d\d · HTTP 202 · \d+ ms`, row, "time (Nairobi), status, duration")
	require.Contains(t, row, `<span class="muted mono">evt_`, "the event id under its type")
	require.Contains(t, row, `/replay"`, "the replay button is in the row")
	require.Regexp(t, `· no answer · \d+ ms<br><span class="muted">[^<]+</span>`, log, "an attempt with no answer says why")
	noDump(t, log)

	admin := newMerchant(t, s)
	admin.login(stacktest.AdminEmail, stacktest.AdminPassword)
	require.Contains(t, textOf(admin.get("/admin").Body), "1 store. Page 1", "not \"1 stores\"")
	console := admin.get("/admin/stores/demo")
	require.Equal(t, http.StatusOK, console.Status)
	deliveries := regexpFind(t, `(?s)<table id="deliveries">.*?</table>`, console.Body)
	require.Regexp(t, `endpoint\.test<br><span class="muted">evt_`, deliveries)
	require.Regexp(t, `\d{1,2} [A-Z][a-z]{2} \d\d:\d\d:\d\d EAT · HTTP 202 · \d+ ms`, deliveries)
	require.Contains(t, deliveries, "· no answer ·")
	noDump(t, deliveries)
}

func noDump(t *testing.T, html string) {
	t.Helper()
	for _, dump := range []string{"[{", "map[", "{wha_", "}]"} {
		require.NotContains(t, html, dump, "a Go value printed into the page")
	}
}

// untilPage polls path until it shows every one of want: deliveries are
// sent by the worker. The bound only keeps a broken build from hanging.
func untilPage(t *testing.T, m *merchant, path string, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		body := m.get(path).Body
		missing := false
		for _, w := range want {
			missing = missing || !strings.Contains(body, w)
		}
		if !missing {
			return body
		}
		require.False(t, time.Now().After(deadline), "%s never showed %q:\n%s", path, want, body)
		time.Sleep(100 * time.Millisecond)
	}
}
