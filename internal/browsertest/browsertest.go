// Package browsertest drives Debian's chromium from Go tests through
// chromedp, the way a shopper's phone would see our pages: headless, a
// phone-sized viewport, a fresh profile per test, screenshots a reviewer can
// open afterwards.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Phone is the viewport of a common small Android phone, in CSS pixels.
const (
	PhoneWidth  = 360
	PhoneHeight = 780
)

// stepTimeout bounds one call; it only keeps a broken page from hanging
// the suite and asserts nothing about speed.
const stepTimeout = 60 * time.Second

// Browser is one headless chromium with one tab, closed when the test ends.
type Browser struct {
	t   testing.TB
	ctx context.Context
	dir string
	n   int
	// received counts the encoded bytes of every response the tab loaded.
	received atomic.Int64
}

// Executable is the chromium to run: SOKOHUB_CHROMIUM, or Debian's.
func Executable() string {
	if p := os.Getenv("SOKOHUB_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// New starts chromium for t. It fails the test (it does not skip) when
// chromium is missing: CI installs it, and so can any developer
// (apt-get install chromium).
func New(t testing.TB) *Browser {
	t.Helper()
	exe := Executable()
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("browsertest: no chromium at %s (apt-get install chromium, or set SOKOHUB_CHROMIUM): %v", exe, err)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(PhoneWidth, PhoneHeight))
	ctx, cancel := chromedp.NewContext(actx)
	b := &Browser{t: t, ctx: ctx, dir: screenshotDir(t)}
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first call starts the browser and must not carry a timeout.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(PhoneWidth, PhoneHeight, chromedp.EmulateMobile,
		chromedp.EmulateTouch, chromedp.EmulatePortrait)); err != nil {
		t.Fatalf("browsertest: start chromium: %v", err)
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventLoadingFinished); ok {
			b.received.Add(int64(e.EncodedDataLength))
		}
	}); err != nil {
		t.Fatalf("browsertest: listen: %v", err)
	}
	return b
}

// screenshotDir is SOKOHUB_SCREENSHOT_DIR (kept after the run, for a
// reviewer) or a temporary directory.
func screenshotDir(t testing.TB) string {
	dir := os.Getenv("SOKOHUB_SCREENSHOT_DIR")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	return dir
}

// Do runs steps in the tab and fails the test on the first error.
func (b *Browser) Do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browsertest: %v (page: %s)", err, b.Location())
	}
}

// Run runs one action that returns a value.
func Run[T any](b *Browser, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("browsertest: %v", err)
	}
	return v
}

// settled runs a until it succeeds, for a page that may be between two
// documents (the live order page reloads itself when the order moves on):
// an action then fails with "Not attached to an active page" or times out.
func settled[T any](b *Browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	for deadline := time.Now().Add(stepTimeout); ; time.Sleep(100 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		v, err := chromedp.Run(ctx, a)
		cancel()
		if err == nil {
			return v
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("browsertest: %s: %v (page %s)", what, err, b.Location())
		}
	}
}

// Location is the tab's current URL ("" if it cannot be read).
func (b *Browser) Location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	u, _ := chromedp.Run(ctx, chromedp.Location())
	return u
}

// Text is the visible text of the first element matching the CSS selector.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	return Run(b, chromedp.Text(chromedp.CSS(sel)))
}

// WaitText waits until the element matching sel shows want, and returns
// its whole text.
func (b *Browser) WaitText(sel, want string) string {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](
			fmt.Sprintf(`(document.querySelector(%q)||{}).innerText||""`, sel)))
		cancel()
		if err == nil && strings.Contains(got, want) {
			return got
		}
		if time.Now().After(deadline) {
			b.Screenshot("timeout")
			b.t.Fatalf("browsertest: %q never showed %q (last %q, err %v, page %s)", sel, want, got, err, b.Location())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// WaitLocation waits until the tab's URL contains want (a click that
// navigates returns before the new page is there).
func (b *Browser) WaitLocation(want string) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for !strings.Contains(b.Location(), want) {
		if time.Now().After(deadline) {
			b.t.Fatalf("browsertest: never reached a URL with %q (at %s)", want, b.Location())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Received is the bytes the tab has downloaded so far, as sent on the wire.
func (b *Browser) Received() int64 { return b.received.Load() }

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// Screenshot saves the whole page as a PNG named after the test and name,
// and returns its path.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	b.n++
	png := settled(b, "screenshot", chromedp.FullScreenshot(100))
	path := filepath.Join(b.dir, fmt.Sprintf("%s-%02d-%s.png", unsafeName.ReplaceAllString(b.t.Name(), "_"), b.n,
		unsafeName.ReplaceAllString(name, "_")))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatalf("browsertest: %v", err)
	}
	b.t.Logf("screenshot %s", path)
	return path
}

// width is what the page measures across: its laid-out width against the
// viewport's, and the outermost elements that stick out of the viewport.
type width struct {
	Page     int      `json:"page"`
	Viewport int      `json:"viewport"`
	Outside  []string `json:"outside"`
}

const measureWidth = `(() => {
  const vw = document.documentElement.clientWidth, out = [];
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '');
  for (const e of document.body.querySelectorAll('*')) {
    const p = e.parentElement;
    if (e.getBoundingClientRect().right > vw + 0.5 && !(p && p.getBoundingClientRect().right > vw + 0.5)) out.push(name(e));
  }
  return {page: document.documentElement.scrollWidth, viewport: vw, outside: out.slice(0, 10)};
})()`

// RequireFitsWidth fails the test when the current page is wider than
// the viewport, so the phone would scroll sideways (a table may still
// scroll inside its own container); the message names what sticks out.
// A page that reloads itself (the live order page) is measured once the
// new document is there.
func (b *Browser) RequireFitsWidth() {
	b.t.Helper()
	w := settled(b, "measure the page", chromedp.Evaluate[width](measureWidth))
	if w.Page > w.Viewport {
		b.Screenshot("too-wide")
		b.t.Fatalf("browsertest: %s is %d px wide in a %d px viewport; sticking out: %v", b.Location(), w.Page, w.Viewport, w.Outside)
	}
}
