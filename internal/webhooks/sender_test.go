package webhooks

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// receiver is a loopback endpoint that records what it got.
type receiver struct {
	srv    *httptest.Server
	hits   atomic.Int32
	header atomic.Pointer[http.Header]
	body   atomic.Pointer[[]byte]
}

func newReceiver(t *testing.T, handler http.HandlerFunc) *receiver {
	t.Helper()
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.hits.Add(1)
		b, _ := io.ReadAll(req.Body)
		h := req.Header.Clone()
		r.header.Store(&h)
		r.body.Store(&b)
		if handler != nil {
			handler(w, req)
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// devSender may reach loopback receivers.
func devSender(o SenderOptions) *Sender {
	o.Policy.AllowPrivate = true
	return NewSender(o)
}

func testMessage(t *testing.T, url string, secrets ...string) Message {
	t.Helper()
	if len(secrets) == 0 {
		secrets = []string{newTestSecret(t)}
	}
	return Message{
		URL:       url,
		ID:        "evt_01JTEST",
		Timestamp: time.Now(),
		Body:      []byte(`{"type":"order.paid","order_id":"ord_1","sequence":3}`),
		Secrets:   secrets,
	}
}

func TestSenderSend(t *testing.T) {
	t.Parallel()

	t.Run("SignsAndSendsStandardHeaders", func(t *testing.T) {
		t.Parallel()
		rcv := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		})
		oldSecret, newSecret := newTestSecret(t), newTestSecret(t)
		m := testMessage(t, rcv.srv.URL+"/hooks", oldSecret, newSecret)

		a := devSender(SenderOptions{}).Send(t.Context(), m)
		require.NoError(t, a.Err)
		require.True(t, a.OK())
		require.Equal(t, http.StatusNoContent, a.StatusCode)
		require.Positive(t, a.Duration)

		got := *rcv.header.Load()
		require.Equal(t, m.Body, *rcv.body.Load())
		require.Equal(t, "application/json", got.Get("Content-Type"))
		require.Equal(t, "SokoHub-Webhooks/1.0", got.Get("User-Agent"))
		require.Equal(t, m.ID, got.Get("webhook-id"))
		require.Equal(t, strconv.FormatInt(m.Timestamp.Unix(), 10), got.Get("webhook-timestamp"))
		require.Len(t, strings.Fields(got.Get("webhook-signature")), 2)
		require.NoError(t, Verify(oldSecret, got, *rcv.body.Load(), time.Now()))
		require.NoError(t, Verify(newSecret, got, *rcv.body.Load(), time.Now()))

		// The independent signer agrees with what went over the wire.
		require.Contains(t, got.Get("webhook-signature"), specSign(t, newSecret, m.ID, m.Timestamp.Unix(), string(m.Body)))
		require.Equal(t, got.Get("webhook-signature"), a.RequestHeaders.Get("webhook-signature"))
	})

	t.Run("CustomUserAgentAndZeroTimestamp", func(t *testing.T) {
		t.Parallel()
		rcv := newReceiver(t, nil)
		m := testMessage(t, rcv.srv.URL)
		m.Timestamp = time.Time{}
		a := devSender(SenderOptions{UserAgent: "SokoHub-Webhooks/2.0 (staging)"}).Send(t.Context(), m)
		require.True(t, a.OK())
		got := *rcv.header.Load()
		require.Equal(t, "SokoHub-Webhooks/2.0 (staging)", got.Get("User-Agent"))
		require.NoError(t, Verify(m.Secrets[0], got, m.Body, time.Now()), "zero timestamp means now")
	})

	t.Run("RedirectIsFailureAndNotFollowed", func(t *testing.T) {
		t.Parallel()
		target := newReceiver(t, nil)
		for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
			rcv := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target.srv.URL, code)
			})
			a := devSender(SenderOptions{}).Send(t.Context(), testMessage(t, rcv.srv.URL))
			require.NoError(t, a.Err)
			require.Equal(t, code, a.StatusCode)
			require.False(t, a.OK())
		}
		require.Zero(t, target.hits.Load(), "redirect target must never be contacted")
	})

	t.Run("StatusClassification", func(t *testing.T) {
		t.Parallel()
		for code, want := range map[int][2]bool{ // OK, Gone
			200: {true, false}, 201: {true, false}, 299: {true, false},
			304: {false, false}, 400: {false, false}, 410: {false, true},
			429: {false, false}, 500: {false, false}, 502: {false, false},
		} {
			rcv := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) })
			a := devSender(SenderOptions{}).Send(t.Context(), testMessage(t, rcv.srv.URL))
			require.NoError(t, a.Err, code)
			require.Equal(t, code, a.StatusCode)
			require.Equal(t, want[0], a.OK(), code)
			require.Equal(t, want[1], a.Gone(), code)
		}
	})

	t.Run("CapsResponseBodyAt4KiB", func(t *testing.T) {
		t.Parallel()
		big := bytes.Repeat([]byte("x"), 10<<10)
		rcv := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write(big)
		})
		a := devSender(SenderOptions{}).Send(t.Context(), testMessage(t, rcv.srv.URL))
		require.NoError(t, a.Err)
		require.Len(t, a.ResponseBody, 4096)
		require.Equal(t, big[:4096], a.ResponseBody)

		small := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "thanks") })
		a = devSender(SenderOptions{}).Send(t.Context(), testMessage(t, small.srv.URL))
		require.Equal(t, []byte("thanks"), a.ResponseBody)
	})

	t.Run("ParsesRetryAfter", func(t *testing.T) {
		t.Parallel()
		for value, want := range map[string]time.Duration{
			"120":  2 * time.Minute,
			"":     0,
			"-5":   0,
			"soon": 0,
		} {
			rcv := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
				if value != "" {
					w.Header().Set("Retry-After", value)
				}
				w.WriteHeader(http.StatusTooManyRequests)
			})
			a := devSender(SenderOptions{}).Send(t.Context(), testMessage(t, rcv.srv.URL))
			require.Equal(t, want, a.RetryAfter, "%q", value)
		}

		date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
		rcv := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", date)
			w.WriteHeader(http.StatusServiceUnavailable)
		})
		a := devSender(SenderOptions{}).Send(t.Context(), testMessage(t, rcv.srv.URL))
		require.InDelta(t, float64(90*time.Second), float64(a.RetryAfter), float64(2*time.Second))
	})

	t.Run("TimesOut", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		rcv := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		t.Cleanup(func() { close(release) }) // runs before srv.Close, which waits for handlers
		start := time.Now()
		a := devSender(SenderOptions{Timeout: 200 * time.Millisecond}).Send(t.Context(), testMessage(t, rcv.srv.URL))
		require.Error(t, a.Err)
		var ne net.Error
		require.ErrorAs(t, a.Err, &ne)
		require.True(t, ne.Timeout())
		require.False(t, a.OK())
		require.Zero(t, a.StatusCode)
		require.Less(t, time.Since(start), 5*time.Second)
		require.GreaterOrEqual(t, a.Duration, 200*time.Millisecond)
	})

	t.Run("RefusesLoopbackAtDialTime", func(t *testing.T) {
		t.Parallel()
		rcv := newReceiver(t, nil)
		u, err := url.Parse(rcv.srv.URL)
		require.NoError(t, err)
		strict := NewSender(SenderOptions{})

		for _, host := range []string{"127.0.0.1", "localhost"} {
			a := strict.Send(t.Context(), testMessage(t, "http://"+net.JoinHostPort(host, u.Port())+"/hooks"))
			require.ErrorIs(t, a.Err, ErrForbiddenAddress, host)
			require.False(t, a.OK())
			require.NotEmpty(t, a.RequestHeaders, "the request was built and signed; only the dial was refused")
		}
		require.Zero(t, rcv.hits.Load())
	})

	t.Run("AllowPrefixLetsThrough", func(t *testing.T) {
		t.Parallel()
		rcv := newReceiver(t, nil)
		s := NewSender(SenderOptions{Policy: EgressPolicy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}})
		a := s.Send(t.Context(), testMessage(t, rcv.srv.URL))
		require.NoError(t, a.Err)
		require.True(t, a.OK())
		require.EqualValues(t, 1, rcv.hits.Load())
	})

	t.Run("RequireHTTPSRefusesHTTP", func(t *testing.T) {
		t.Parallel()
		rcv := newReceiver(t, nil)
		a := devSender(SenderOptions{RequireHTTPS: true}).Send(t.Context(), testMessage(t, rcv.srv.URL))
		require.Error(t, a.Err)
		require.Contains(t, a.Err.Error(), "https")
		require.Zero(t, rcv.hits.Load())
	})

	t.Run("IgnoresProxyEnvironment", func(t *testing.T) {
		t.Parallel()
		// Not t.Setenv (incompatible with t.Parallel): the transport simply
		// has no Proxy func, which is what keeps HTTPS_PROXY from routing
		// deliveries around the egress policy.
		tr := NewSender(SenderOptions{}).client.Transport.(*http.Transport)
		require.Nil(t, tr.Proxy)
	})

	t.Run("RejectsInvalidMessagesWithoutPanicking", func(t *testing.T) {
		t.Parallel()
		rcv := newReceiver(t, nil)
		s := devSender(SenderOptions{})
		for name, mutate := range map[string]func(*Message){
			"NoSecrets":   func(m *Message) { m.Secrets = nil },
			"BadSecret":   func(m *Message) { m.Secrets = []string{"whsec_tooshort"} },
			"NoID":        func(m *Message) { m.ID = "" },
			"HeaderInID":  func(m *Message) { m.ID = "evt\r\nX-Evil: 1" },
			"BadURL":      func(m *Message) { m.URL = "http://[::1" },
			"NoHost":      func(m *Message) { m.URL = "http:///path" },
			"FileScheme":  func(m *Message) { m.URL = "file:///etc/passwd" },
			"EmptyURL":    func(m *Message) { m.URL = "" },
			"NilBodyIsOK": func(m *Message) { m.Body = nil },
		} {
			m := testMessage(t, rcv.srv.URL)
			mutate(&m)
			var a Attempt
			require.NotPanics(t, func() { a = s.Send(t.Context(), m) }, name)
			if name == "NilBodyIsOK" {
				require.True(t, a.OK(), name)
				continue
			}
			require.Error(t, a.Err, name)
			require.False(t, a.OK(), name)
		}
		var nilSender *Sender
		var a Attempt
		require.NotPanics(t, func() { a = nilSender.Send(t.Context(), testMessage(t, rcv.srv.URL)) })
		require.Error(t, a.Err)
		require.EqualValues(t, 1, rcv.hits.Load(), "only the valid message was delivered")
	})

	t.Run("ContextCancelled", func(t *testing.T) {
		t.Parallel()
		rcv := newReceiver(t, nil)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		a := devSender(SenderOptions{}).Send(ctx, testMessage(t, rcv.srv.URL))
		require.ErrorIs(t, a.Err, context.Canceled)
		require.Zero(t, rcv.hits.Load())
	})
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"0":                              0,
		"1":                              time.Second,
		" 30 ":                           30 * time.Second,
		"99999999999999999":              time.Duration(1<<63 - 1),
		"Sun, 01 Mar 2026 12:05:00 GMT":  5 * time.Minute,
		"Sunday, 01-Mar-26 12:01:00 GMT": time.Minute, // RFC 850, still legal
		"Sun, 01 Mar 2026 11:00:00 GMT":  0,           // in the past
		"1.5":                            0,
		"garbage":                        0,
	} {
		require.Equal(t, want, parseRetryAfter(in, now), "%q", in)
	}
}
