package dashboard_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/browsertest"
	"github.com/sokohub/sokohub/internal/devstack"
	"github.com/sokohub/sokohub/internal/devstack/stacktest"
)

// typeInto fills the fields named by id, in order.
func typeInto(b *browsertest.Browser, fields ...string) {
	var steps []chromedp.Action[chromedp.Void]
	for i := 0; i+1 < len(fields); i += 2 {
		steps = append(steps, chromedp.SendKeys(chromedp.ID(fields[i]), fields[i+1]))
	}
	b.Do(steps...)
}

func login(b *browsertest.Browser, email, password string) {
	typeInto(b, "email", email, "password", password)
	b.Do(chromedp.Click(chromedp.ID("login")))
}

func TestBrowserCompletesOnboarding(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	b := browsertest.New(t)
	photo := filepath.Join(t.TempDir(), "kikoi.png")
	require.NoError(t, os.WriteFile(photo, png1(t), 0o600))

	b.Do(chromedp.Navigate(s.URL + "/dashboard/signup"))
	typeInto(b, "name", "Amani Wekesa", "email", "amani@duka.test", "password", "amani-password")
	b.Screenshot("signup")
	b.Do(chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
	// Signing up signs the merchant in: straight on to opening the store.
	b.WaitText("h1", "Open a store")
	typeInto(b, "name", "Duka la Amani", "slug", "amani")
	b.Do(chromedp.Click(chromedp.CSS(`main button[type=submit]`)))

	b.WaitText("main", "1. Store details")
	typeInto(b, "tagline", "Kikoi and kitenge, delivered in Nairobi")
	b.Do(chromedp.SetUploadFiles(chromedp.ID("logo"), []string{photo}))
	b.Screenshot("store-details")
	b.Do(chromedp.Click(chromedp.CSS(`main button[type=submit]`)))

	b.WaitText("main", "2. M-Pesa")
	typeInto(b, "shortcode", "174379", "passkey", devstack.SandboxPasskey,
		"consumer_key", "sim-consumer-key", "consumer_secret", "sim-consumer-secret")
	b.Do(chromedp.Click(chromedp.ID("test")))
	b.WaitText("#test-result", "Connected")
	b.Screenshot("mpesa-tested")
	// The test kept what was typed, so saving needs no retyping.
	b.Do(chromedp.Click(chromedp.CSS(`main button[type=submit]:not(#test)`)))

	b.WaitText("main", "3. Your first product")
	typeInto(b, "name", "Kikoi (blue)", "price", "1500", "description", "Cotton, 2 metres")
	b.Do(chromedp.SetUploadFiles(chromedp.ID("image"), []string{photo}))
	b.Do(chromedp.Click(chromedp.CSS(`main button[type=submit]`)))

	b.WaitText("main", "Your store is ready to take M-Pesa payments.")
	link := browsertest.Run(b, chromedp.Value(chromedp.ID("link")))
	require.Equal(t, s.URL+"/s/amani", link)
	b.Screenshot("share")

	b.Do(chromedp.Navigate(link))
	b.WaitText("main", "Kikoi (blue)")
	require.Contains(t, b.Text("main"), "Kikoi and kitenge, delivered in Nairobi")
	require.Contains(t, b.Text("main"), "KES 1,500")
	b.Screenshot("new-store")
}

func TestBrowserFindsThePaidOrder(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	st, ps := demo(t, s)
	buy(t, s, st, ps[1], "0700000002", "Otieno", false)
	paid := buy(t, s, st, ps[0], "0712345678", "Wanjiku", true)

	b := browsertest.New(t)
	b.Do(chromedp.Navigate(s.URL + "/dashboard"))
	login(b, devstack.DemoEmail, devstack.DemoPassword)
	b.WaitText("h1", "Orders")
	require.Contains(t, b.Text("tr.paid"), paid.Receipt, "the paid order is the highlighted row")
	b.Screenshot("orders")
	b.RequireFitsWidth()

	typeInto(b, "q", paid.Receipt)
	b.Do(chromedp.Click(chromedp.CSS(`form[role=search] button`)))
	b.WaitLocation("q=" + paid.Receipt)
	b.WaitText("tbody", paid.Receipt)
	require.NotContains(t, b.Text("tbody"), "Otieno")
	b.Do(chromedp.Click(chromedp.CSS(`tbody a`)))
	b.WaitText("#receipt", paid.Receipt)
	require.Contains(t, b.Text("main"), "prompt sent to the phone")
	b.Screenshot("order")
	b.RequireFitsWidth()
	b.Do(chromedp.Click(chromedp.CSS(`form[action$="/fulfil"] button`)))
	b.WaitText("main", "Order marked as fulfilled.")
	b.Screenshot("fulfilled")
}

// The webhook delivery log fits a phone (its table scrolls in its own
// box) and, on a desktop, shows every attempt with the Replay button in
// full.
func TestBrowserWebhookLogFitsAndShowsReplay(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	st, _ := demo(t, s)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	t.Cleanup(receiver.Close)
	ctx := context.Background()
	for _, url := range []string{receiver.URL + "/hook", "http://127.0.0.1:9/hook"} {
		ep, _, err := s.App.Endpoints.Create(ctx, s.App.DB, st.ID, url, []string{"order.paid"})
		require.NoError(t, err)
		_, err = s.App.Deliverer.SendTest(ctx, st.ID, ep.ID)
		require.NoError(t, err)
	}

	b := browsertest.New(t)
	b.Do(chromedp.Navigate(s.URL + "/dashboard/demo/webhooks"))
	login(b, devstack.DemoEmail, devstack.DemoPassword)
	b.WaitText("h1", "Webhooks")
	// The worker sends them; the bound only keeps a broken build from hanging.
	for deadline := time.Now().Add(60 * time.Second); !strings.Contains(b.Text("main"), "HTTP 200") ||
		!strings.Contains(b.Text("main"), "no answer"); time.Sleep(200 * time.Millisecond) {
		require.False(t, time.Now().After(deadline), "the log never showed both attempts: %s", b.Text("main"))
		b.Do(chromedp.Reload())
	}
	b.Screenshot("webhooks-phone")
	b.RequireFitsWidth()

	b.Do(chromedp.EmulateViewport(1280, 900))
	b.Screenshot("webhooks-desktop")
	cut := browsertest.Run(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('form[action$="/replay"] button')]
	  .filter(btn => btn.getBoundingClientRect().right > btn.closest('.scroll').getBoundingClientRect().right + 0.5)
	  .map(btn => btn.closest('tr').innerText)`))
	require.Empty(t, cut, "Replay buttons cut off by the log's box")
}
