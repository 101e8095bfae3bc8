package browsertest

import (
	"bytes"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

func TestPhoneViewportAndScreenshot(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<!doctype html><meta name="viewport" content="width=device-width"><p id="w">hello</p>
<script>document.getElementById('w').textContent='width '+window.innerWidth</script>`))
	}))
	defer srv.Close()
	b := New(t)
	b.Do(chromedp.Navigate(srv.URL))
	require.Equal(t, "width 360", b.WaitText("#w", "width"))
	require.Positive(t, b.Received())

	path := b.Screenshot("hello")
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(raw))
	require.NoError(t, err)
	require.Equal(t, PhoneWidth, img.Bounds().Dx())
}

func TestRequireFitsWidthCatchesSidewaysScrolling(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		wide := `<div style="width:446px" id="wide">x</div>`
		if r.URL.Path == "/fits" {
			wide = `<div style="overflow-x:auto"><div style="width:900px">scrolls in its own box</div></div>`
		}
		_, _ = w.Write([]byte(`<!doctype html><meta name="viewport" content="width=device-width"><body style="margin:0">` + wide))
	}))
	defer srv.Close()
	b := New(t)
	b.Do(chromedp.Navigate(srv.URL + "/fits"))
	b.RequireFitsWidth()

	b.Do(chromedp.Navigate(srv.URL + "/wide"))
	w := Run(b, chromedp.Evaluate[width](measureWidth))
	require.Greater(t, w.Page, PhoneWidth)
	require.Equal(t, PhoneWidth, w.Viewport)
	require.Equal(t, []string{"div#wide"}, w.Outside)
}
