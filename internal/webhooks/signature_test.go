package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The Standard Webhooks / Svix documentation's test vector.
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorBody      = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

// specSign is an independent implementation of Standard Webhooks v1 signing,
// written from the specification with crypto/hmac directly, sharing no code
// with the package.
func specSign(t *testing.T, secret, id string, ts int64, body string) string {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.Split(secret, "_")[1])
	require.NoError(t, err)
	h := hmac.New(sha256.New, key)
	fmt.Fprintf(h, "%s.%d.%s", id, ts, body)
	return "v1," + base64.StdEncoding.EncodeToString(h.Sum(nil))
}

func signedHeaders(id string, ts int64, sig string) http.Header {
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", fmt.Sprint(ts))
	h.Set("webhook-signature", sig)
	return h
}

func TestSign(t *testing.T) {
	t.Parallel()

	t.Run("ReproducesTestVector", func(t *testing.T) {
		t.Parallel()
		got, err := Sign(vectorSecret, vectorID, time.Unix(vectorTimestamp, 0), []byte(vectorBody))
		require.NoError(t, err)
		require.Equal(t, vectorSignature, got)
		require.Equal(t, vectorSignature, specSign(t, vectorSecret, vectorID, vectorTimestamp, vectorBody), "the independent signer must agree with the vector too")
	})

	t.Run("MatchesIndependentImplementation", func(t *testing.T) {
		t.Parallel()
		for range 20 {
			secret, err := NewSecret()
			require.NoError(t, err)
			ts := time.Unix(1700000000, 999_999_999) // sub-second part is dropped
			body := `{"event":"order.paid","order_id":"ord_123","sequence":7,"amount":"1500.00 KES"}`
			got, err := Sign(secret, "evt_01JABC", ts, []byte(body))
			require.NoError(t, err)
			require.Equal(t, specSign(t, secret, "evt_01JABC", 1700000000, body), got)
		}
	})

	t.Run("RejectsBadInput", func(t *testing.T) {
		t.Parallel()
		_, err := Sign("whsec_not*base64", vectorID, time.Now(), nil)
		require.Error(t, err)
		require.NotContains(t, err.Error(), "not*base64")
		_, err = Sign(vectorSecret, "", time.Now(), nil)
		require.Error(t, err)
	})
}

func TestSignatureHeader(t *testing.T) {
	t.Parallel()
	other, err := NewSecret()
	require.NoError(t, err)
	ts := time.Unix(vectorTimestamp, 0)

	got, err := SignatureHeader([]string{vectorSecret, other}, vectorID, ts, []byte(vectorBody))
	require.NoError(t, err)
	parts := strings.Split(got, " ")
	require.Len(t, parts, 2)
	require.Equal(t, vectorSignature, parts[0])
	require.Equal(t, specSign(t, other, vectorID, vectorTimestamp, vectorBody), parts[1])

	_, err = SignatureHeader(nil, vectorID, ts, nil)
	require.Error(t, err)
	_, err = SignatureHeader([]string{vectorSecret, "whsec_AAAA"}, vectorID, ts, nil)
	require.Error(t, err, "a too-short secret anywhere fails the whole header")
}

func TestSecrets(t *testing.T) {
	t.Parallel()

	s, err := NewSecret()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(s, "whsec_"))
	key, err := DecodeSecret(s)
	require.NoError(t, err)
	require.Len(t, key, 32)
	s2, err := NewSecret()
	require.NoError(t, err)
	require.NotEqual(t, s, s2)

	key, err = DecodeSecret(vectorSecret)
	require.NoError(t, err)
	require.Len(t, key, 24)
	_, err = DecodeSecret(strings.TrimPrefix(vectorSecret, "whsec_"))
	require.NoError(t, err, "prefix is optional")

	for name, n := range map[string]int{"TooShort": 23, "TooLong": 65} {
		_, err := DecodeSecret("whsec_" + base64.StdEncoding.EncodeToString(make([]byte, n)))
		require.Error(t, err, name)
	}
	for _, n := range []int{24, 64} {
		_, err := DecodeSecret("whsec_" + base64.StdEncoding.EncodeToString(make([]byte, n)))
		require.NoError(t, err, n)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	ts := time.Unix(vectorTimestamp, 0)
	body := []byte(vectorBody)

	t.Run("AcceptsTestVector", func(t *testing.T) {
		t.Parallel()
		require.NoError(t, Verify(vectorSecret, signedHeaders(vectorID, vectorTimestamp, vectorSignature), body, ts))
	})

	t.Run("TamperFails", func(t *testing.T) {
		t.Parallel()
		for name, tc := range map[string]struct {
			h    http.Header
			body string
		}{
			"Body":      {signedHeaders(vectorID, vectorTimestamp, vectorSignature), `{"test": 2432232315}`},
			"BodySpace": {signedHeaders(vectorID, vectorTimestamp, vectorSignature), `{"test":2432232314}`},
			"ID":        {signedHeaders("msg_other", vectorTimestamp, vectorSignature), vectorBody},
			"Timestamp": {signedHeaders(vectorID, vectorTimestamp+1, vectorSignature), vectorBody},
			"Signature": {signedHeaders(vectorID, vectorTimestamp, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="), vectorBody},
			"Version":   {signedHeaders(vectorID, vectorTimestamp, "v2,"+strings.TrimPrefix(vectorSignature, "v1,")), vectorBody},
			"Garbage":   {signedHeaders(vectorID, vectorTimestamp, "v1,!!! v1 ,,, v1,"), vectorBody},
		} {
			err := Verify(vectorSecret, tc.h, []byte(tc.body), ts)
			require.ErrorIs(t, err, ErrNoMatch, name)
		}
		other, err := NewSecret()
		require.NoError(t, err)
		require.ErrorIs(t, Verify(other, signedHeaders(vectorID, vectorTimestamp, vectorSignature), body, ts), ErrNoMatch, "wrong secret")
	})

	t.Run("TimestampTolerance", func(t *testing.T) {
		t.Parallel()
		h := signedHeaders(vectorID, vectorTimestamp, vectorSignature)
		for _, d := range []time.Duration{-5 * time.Minute, 5 * time.Minute, 0} {
			require.NoError(t, Verify(vectorSecret, h, body, ts.Add(d)), d)
		}
		for _, d := range []time.Duration{-5*time.Minute - time.Second, 5*time.Minute + time.Second, 24 * time.Hour} {
			require.ErrorIs(t, Verify(vectorSecret, h, body, ts.Add(d)), ErrTimestamp, d)
		}
		bad := signedHeaders(vectorID, vectorTimestamp, vectorSignature)
		bad.Set("webhook-timestamp", "2021-02-25T15:02:10Z")
		require.ErrorIs(t, Verify(vectorSecret, bad, body, ts), ErrTimestamp)
	})

	t.Run("MissingHeaders", func(t *testing.T) {
		t.Parallel()
		for _, name := range []string{"webhook-id", "webhook-timestamp", "webhook-signature"} {
			h := signedHeaders(vectorID, vectorTimestamp, vectorSignature)
			h.Del(name)
			require.ErrorIs(t, Verify(vectorSecret, h, body, ts), ErrMissingHeaders, name)
		}
	})

	t.Run("RotationOverlap", func(t *testing.T) {
		t.Parallel()
		oldSecret, newSecret := vectorSecret, newTestSecret(t)
		sig, err := SignatureHeader([]string{oldSecret, newSecret}, vectorID, ts, body)
		require.NoError(t, err)
		h := signedHeaders(vectorID, vectorTimestamp, sig)
		require.NoError(t, Verify(oldSecret, h, body, ts), "receiver not yet switched")
		require.NoError(t, Verify(newSecret, h, body, ts), "receiver already switched")
		require.ErrorIs(t, Verify(newTestSecret(t), h, body, ts), ErrNoMatch)

		// Unknown versions and extra spaces around valid values are skipped.
		h.Set("webhook-signature", "v1a,xyz  "+strings.ReplaceAll(sig, " ", "   ")+" ")
		require.NoError(t, Verify(newSecret, h, body, ts))
	})

	t.Run("InvalidSecretIsNotNoMatch", func(t *testing.T) {
		t.Parallel()
		err := Verify("whsec_short", signedHeaders(vectorID, vectorTimestamp, vectorSignature), body, ts)
		require.Error(t, err)
		require.NotErrorIs(t, err, ErrNoMatch)
	})
}

func newTestSecret(t *testing.T) string {
	t.Helper()
	s, err := NewSecret()
	require.NoError(t, err)
	return s
}
