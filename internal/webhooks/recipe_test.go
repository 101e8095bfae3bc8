package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The seller's recipe of docs/webhooks.md, verbatim: Standard Webhooks
// verification with the standard library only, written from the spec and
// not from our signer. TestRecipe checks that the document still shows it
// and that it accepts what we send.

// recipe:start
// VerifyWebhook checks a SokoHub delivery's signature and returns its body.
// secret is the endpoint's "whsec_…" secret (two are valid for 24 hours
// after a rotation: try the new one, then the old).
func VerifyWebhook(secret string, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	id, ts := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp")
	sent, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || math.Abs(time.Since(time.Unix(sent, 0)).Seconds()) > 300 {
		return nil, errors.New("webhook: missing or stale timestamp")
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, sig := range strings.Fields(r.Header.Get("webhook-signature")) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return body, nil // also dedupe on id: a retry or replay keeps it
		}
	}
	return nil, errors.New("webhook: no valid signature")
}

// recipe:end

func TestRecipe(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("recipe_test.go")
	require.NoError(t, err)
	_, rest, _ := strings.Cut(string(src), "// recipe:start\n")
	recipe, _, _ := strings.Cut(rest, "\n// recipe:end")
	doc, err := os.ReadFile("../../docs/webhooks.md")
	require.NoError(t, err)
	require.Contains(t, string(doc), strings.TrimSpace(recipe),
		"docs/webhooks.md must show VerifyWebhook exactly as internal/webhooks/recipe_test.go has it")

	oldSecret, newSecret := newTestSecret(t), newTestSecret(t)
	var verified, refused int
	rcv := newReceiver(t, nil)
	check := func(m Message, secret string) error {
		a := devSender(SenderOptions{}).Send(t.Context(), m)
		require.True(t, a.OK())
		req, _ := http.NewRequest(http.MethodPost, "/", strings.NewReader(string(*rcv.body.Load())))
		req.Header = *rcv.header.Load()
		body, err := VerifyWebhook(secret, req)
		if err == nil {
			require.Equal(t, m.Body, body)
			verified++
		} else {
			refused++
		}
		return err
	}
	m := testMessage(t, rcv.srv.URL, newSecret, oldSecret)
	require.NoError(t, check(m, newSecret))
	require.NoError(t, check(m, oldSecret), "during a rotation both secrets verify")
	require.Error(t, check(m, newTestSecret(t)), "another secret does not")
	m.Timestamp = time.Now().Add(-10 * time.Minute)
	require.Error(t, check(m, newSecret), "a stale timestamp is refused")
	require.Equal(t, 2, verified)
	require.Equal(t, 2, refused)
}
