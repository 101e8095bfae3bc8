package simulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// maxBodyBytes bounds a Daraja request body.
const maxBodyBytes = 64 << 10

// timestampTolerance is how far a Timestamp may be from the current Nairobi
// wall time: a simulator strictness that catches timestamps made in UTC.
const timestampTolerance = 30 * time.Minute

// requestBody is a decoded Daraja JSON object. Numbers stay json.Number, so
// the body can be shown back exactly as received.
type requestBody map[string]any

// decodeBody reads r's body as one JSON object.
func decodeBody(w http.ResponseWriter, r *http.Request) (requestBody, *darajaError) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		return nil, errBadPayload
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var b requestBody
	if err := dec.Decode(&b); err != nil || b == nil {
		return nil, errBadPayload
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errBadPayload // trailing data after the object
	}
	return b, nil
}

// text returns a field given as a JSON string or number (Daraja accepts both
// for its numeric fields), as text.
func (b requestBody) text(name string) (string, bool) {
	switch v := b[name].(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	}
	return "", false
}

// digits returns a field that must be between minLen and maxLen ASCII digits.
func (b requestBody) digits(name string, minLen, maxLen int) (string, bool) {
	v, ok := b.text(name)
	return v, ok && isDigits(v, minLen, maxLen)
}

func isDigits(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isMSISDN reports whether s is a 12-digit Kenyan mobile number, 2547… or 2541….
func isMSISDN(s string) bool {
	return isDigits(s, 12, 12) && (strings.HasPrefix(s, "2547") || strings.HasPrefix(s, "2541"))
}

// parseAmount accepts whole shillings 1..250000 given as digits only.
func parseAmount(s string) (int64, bool) {
	if !isDigits(s, 1, 6) {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n >= 1 && n <= 250000
}

// validTimestamp reports whether ts is YYYYMMDDHHmmss in Nairobi time and
// within timestampTolerance of now.
func validTimestamp(ts string, now time.Time) bool {
	if !isDigits(ts, 14, 14) {
		return false
	}
	t, err := time.ParseInLocation("20060102150405", ts, nairobi)
	if err != nil {
		return false
	}
	d := now.Sub(t)
	return d <= timestampTolerance && d >= -timestampTolerance
}

// validCallbackURL: an absolute http(s) URL with a host, no whitespace
// anywhere, and a lowercase host (an uppercase host was seen rejected).
func validCallbackURL(raw string) bool {
	if strings.IndexFunc(raw, unicode.IsSpace) >= 0 || !utf8.ValidString(raw) {
		return false
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.Opaque != "" {
		return false
	}
	host := u.Hostname()
	return host == strings.ToLower(host)
}

// password is the STK Password for a shortcode and timestamp.
func password(sc Shortcode, timestamp string) string {
	return base64.StdEncoding.EncodeToString([]byte(sc.Code + sc.Passkey + timestamp))
}

// checkMerchant validates BusinessShortCode, Timestamp and Password, in that
// order, as both the push and the query do.
func (s *Simulator) checkMerchant(b requestBody) (Shortcode, *darajaError) {
	code, ok := b.digits("BusinessShortCode", 5, 7)
	if !ok {
		return Shortcode{}, invalid("BusinessShortCode")
	}
	ts, ok := b.text("Timestamp")
	if !ok || !validTimestamp(ts, s.now()) {
		return Shortcode{}, invalid("Timestamp")
	}
	sc, ok := s.shortcode(code)
	if !ok {
		return Shortcode{}, errNoMerchant
	}
	if pw, _ := b["Password"].(string); pw != password(sc, ts) {
		return Shortcode{}, errWrongCreds
	}
	return sc, nil
}
