package storefront_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/browsertest"
	"github.com/sokohub/sokohub/internal/devstack"
	"github.com/sokohub/sokohub/internal/devstack/stacktest"
	"github.com/sokohub/sokohub/internal/mpesa/simulator"
)

// checkout fills the cart page's form on the phone and presses Pay.
func checkout(b *browsertest.Browser, name, phone string) {
	b.Do(chromedp.SendKeys(chromedp.ID("name"), name), chromedp.SendKeys(chromedp.ID("phone"), phone),
		chromedp.SendKeys(chromedp.ID("note"), "Blue gate opposite the chemist"))
	b.Screenshot("checkout-form")
	b.Do(chromedp.Click(chromedp.CSS(`form[action$="/checkout"] button[type=submit]`)))
}

// answer approves the live prompt to phone on the simulator's virtual
// phone, as the customer entering their PIN.
func answer(t *testing.T, s *devstack.Stack, phone string) {
	var list struct {
		Data []struct {
			ID    string `json:"checkout_request_id"`
			State string `json:"state"`
		} `json:"data"`
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(list.Data) == 0 {
		require.False(t, time.Now().After(deadline), "no prompt reached %s", phone)
		res, err := http.Get(s.URL + "/daraja/simulator/v1/transactions?phone=" + phone)
		require.NoError(t, err)
		require.NoError(t, json.NewDecoder(res.Body).Decode(&list))
		res.Body.Close()
		time.Sleep(50 * time.Millisecond)
	}
	require.NoError(t, s.Simulator.Answer(list.Data[0].ID, simulator.ActionPIN))
}

func TestBrowserBuysOnAPhoneAndSeesTheReceipt(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	b := browsertest.New(t)

	b.Do(chromedp.Navigate(s.URL + "/s/demo"))
	require.Less(t, b.Received(), int64(pageBudget), "the store page's first load, as the browser downloaded it")
	b.WaitText("h1", "Mama Mboga Demo Shop")
	// Every demo product shows its photo, loaded and laid out square
	// (width/height as drawn; 0 for one that did not load).
	shapes := browsertest.Run(b, chromedp.Evaluate[[]float64](
		`[...document.querySelectorAll('.grid img')].map(i => i.complete && i.naturalWidth ? i.width / i.height : 0)`))
	require.Equal(t, []float64{1, 1, 1, 1}, shapes)
	b.Screenshot("store")
	b.RequireFitsWidth()
	b.Do(chromedp.Click(chromedp.CSS(".grid a.name")))
	b.WaitText("main", "Add to cart")
	b.Screenshot("product")
	b.RequireFitsWidth()
	b.Do(chromedp.Navigate(s.URL + "/s/demo"))

	b.Do(chromedp.Click(chromedp.CSS("button.add")))
	b.WaitText("h1", "Your cart")
	b.Screenshot("cart")
	b.RequireFitsWidth() // the quantity row wraps on a phone
	// 254700000007 waits for an answer, so the live page can be seen
	// before the customer enters the PIN.
	checkout(b, "Wanjiku", "0700 000 007")
	b.WaitText("#live", "Check your phone — enter your M-Pesa PIN")
	// WaitText, not Text: the page reloads itself when the order moves on.
	require.Regexp(t, `Seconds left to answer the prompt: \d+\.`, b.WaitText("#countdown", "Seconds left"))
	b.Screenshot("check-your-phone")
	b.RequireFitsWidth()

	answer(t, s, "254700000007")
	// The page's script notices the payment and shows the confirmation.
	b.WaitText("main", "Paid — thank you!")
	require.Regexp(t, `^[A-Z0-9]{10}$`, b.Text("#receipt"))
	require.Contains(t, b.Text("main"), "KES 30")
	b.Screenshot("paid")
	b.RequireFitsWidth()
}

func TestBrowserCancelsThenRetriesWithAnotherPhone(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	b := browsertest.New(t)
	b.Do(chromedp.Navigate(s.URL + "/s/demo?lang=en"))
	b.Do(chromedp.Click(chromedp.CSS("button.add")))
	b.WaitText("h1", "Your cart")
	checkout(b, "Otieno", "0700 000 002") // the customer cancels the prompt
	b.WaitText("#reason", "You cancelled the payment.")
	b.Screenshot("cancelled")
	b.RequireFitsWidth()

	browsertest.Run(b, chromedp.Evaluate[bool](`document.getElementById('phone').value='';true`))
	b.Do(chromedp.SendKeys(chromedp.ID("phone"), "0722 000 111"))
	b.Do(chromedp.Click(chromedp.CSS(`form[action*="/pay"] button`)))
	b.WaitText("main", "Paid — thank you!")
	require.Regexp(t, `^[A-Z0-9]{10}$`, b.Text("#receipt"))
	b.Screenshot("paid-after-retry")
}

func TestBrowserSwahiliStore(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	b := browsertest.New(t)
	b.Do(chromedp.Navigate(s.URL + "/s/demo"))
	b.Do(chromedp.Click(chromedp.CSS(`a[hreflang=sw]`)))
	b.WaitText("button.add", "Weka kikapuni")
	b.Screenshot("store-sw")
	b.Do(chromedp.Click(chromedp.CSS("button.add")))
	b.WaitText("h1", "Kikapu")
	b.Screenshot("cart-sw")
	b.RequireFitsWidth()
}
