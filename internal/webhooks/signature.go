// Package webhooks signs and delivers seller webhooks the way the Standard
// Webhooks specification (standardwebhooks.com) does, so that any of its
// libraries, in any language, verifies SokoHub deliveries unchanged.
package webhooks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Standard Webhooks header names. Receivers match them case-insensitively;
// net/http sends them in canonical form (Webhook-Id).
const (
	headerID        = "webhook-id"
	headerTimestamp = "webhook-timestamp"
	headerSignature = "webhook-signature"
)

const (
	secretPrefix     = "whsec_"
	secretSize       = 32 // what NewSecret draws; the spec allows 24..64
	minSecretSize    = 24
	maxSecretSize    = 64
	signatureVersion = "v1"
	// timestampTolerance is how far a delivery's timestamp may be from the
	// receiver's clock, either way, before it is treated as a replay.
	timestampTolerance = 5 * time.Minute
)

// ErrNoMatch reports that none of a delivery's signatures was made with the
// secret: a forgery, a tampered body, or a secret rotated on one side only.
var ErrNoMatch = errors.New("webhooks: no matching signature")

// ErrTimestamp reports a webhook-timestamp that is not a unix time or is more
// than 5 minutes from the verifier's clock, which is how replays are refused.
var ErrTimestamp = errors.New("webhooks: timestamp missing, invalid or outside tolerance")

// ErrMissingHeaders reports a request without webhook-id, webhook-timestamp
// or webhook-signature.
var ErrMissingHeaders = errors.New("webhooks: missing webhook-id, webhook-timestamp or webhook-signature header")

// NewSecret returns a new endpoint secret: "whsec_" and the standard base64
// of 32 random bytes.
func NewSecret() (string, error) {
	key := make([]byte, secretSize)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("webhooks: generate secret: %w", err)
	}
	return secretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// DecodeSecret returns the HMAC key of a secret: the base64-decoded part
// after "whsec_" (the prefix is optional, as in the reference libraries). The
// key must be 24 to 64 bytes. Errors never include the secret.
func DecodeSecret(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, secretPrefix))
	if err != nil {
		return nil, errors.New("webhooks: secret is not base64")
	}
	if len(key) < minSecretSize || len(key) > maxSecretSize {
		return nil, fmt.Errorf("webhooks: secret decodes to %d bytes, want %d to %d", len(key), minSecretSize, maxSecretSize)
	}
	return key, nil
}

// Sign returns the webhook-signature value for one secret: "v1," and the
// standard base64 HMAC-SHA256 of "{msgID}.{unix seconds}.{body}".
func Sign(secret, msgID string, ts time.Time, body []byte) (string, error) {
	key, err := DecodeSecret(secret)
	if err != nil {
		return "", err
	}
	if msgID == "" {
		return "", errors.New("webhooks: empty message id")
	}
	return signatureVersion + "," + base64.StdEncoding.EncodeToString(signatureMAC(key, msgID, ts.Unix(), body)), nil
}

// SignatureHeader returns the webhook-signature header for every secret,
// space-separated. During a secret rotation the endpoint has two secrets and
// each delivery carries both signatures, so the receiver can switch at its
// own pace.
func SignatureHeader(secrets []string, msgID string, ts time.Time, body []byte) (string, error) {
	if len(secrets) == 0 {
		return "", errors.New("webhooks: no signing secret")
	}
	sigs := make([]string, 0, len(secrets))
	for i, s := range secrets {
		sig, err := Sign(s, msgID, ts, body)
		if err != nil {
			return "", fmt.Errorf("secret %d: %w", i, err)
		}
		sigs = append(sigs, sig)
	}
	return strings.Join(sigs, " "), nil
}

// Verify checks a delivery the way a Standard Webhooks receiver does: the
// three headers must be present, the timestamp within 5 minutes of now
// either way, and at least one of the space-separated v1 signatures must be
// the HMAC of the body under secret. Signatures of other versions are
// skipped. It returns ErrMissingHeaders, ErrTimestamp, ErrNoMatch, or an
// error for an invalid secret.
func Verify(secret string, h http.Header, body []byte, now time.Time) error {
	id, tsText, sigs := h.Get(headerID), h.Get(headerTimestamp), h.Get(headerSignature)
	if id == "" || tsText == "" || sigs == "" {
		return ErrMissingHeaders
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: not unix seconds", ErrTimestamp)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > timestampTolerance || d < -timestampTolerance {
		return fmt.Errorf("%w: %s from now", ErrTimestamp, d.Round(time.Second))
	}
	key, err := DecodeSecret(secret)
	if err != nil {
		return err
	}

	// Re-format the parsed timestamp rather than reuse the header text, as
	// the reference libraries do, so both sides sign the same bytes.
	want := signatureMAC(key, id, ts, body)
	for _, candidate := range strings.Fields(sigs) {
		version, b64sig, ok := strings.Cut(candidate, ",")
		if !ok || version != signatureVersion {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64sig)
		if err != nil {
			continue
		}
		if hmac.Equal(got, want) { // constant time
			return nil
		}
	}
	return ErrNoMatch
}

// signatureMAC computes the v1 HMAC-SHA256 over "{msgID}.{unix seconds}.{body}".
func signatureMAC(key []byte, msgID string, ts int64, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msgID))
	m.Write([]byte{'.'})
	m.Write(strconv.AppendInt(nil, ts, 10))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}
