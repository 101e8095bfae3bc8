package mpesa

import (
	"encoding/base64"
	"strings"
	"time"
	"unicode"
)

// Daraja's documented length limits for the two free-text push fields.
// AccountReference is shown to the payer in the prompt and the SMS; the
// sandbox accepts longer, production may not, and an over-long prompt
// fails with ResultCode 1025/9999, so the documented limit is kept.
const (
	maxAccountReference = 12
	maxTransactionDesc  = 13
)

// Timestamp formats t the way Daraja wants it: YYYYMMDDHHmmss in Nairobi
// time. The zone is a fixed UTC+3 rather than time.LoadLocation
// ("Africa/Nairobi") because our images are built with CGO_ENABLED=0 and
// may have no tzdata, and Kenya has kept UTC+3 without daylight saving
// since 1960, so the fixed offset is exact.
func Timestamp(t time.Time) string {
	return t.In(time.FixedZone("EAT", 3*3600)).Format("20060102150405")
}

// Password is the STK password: base64(shortcode + passkey + timestamp).
// The result reveals the passkey to anyone who decodes it: never log it.
func Password(shortcode, passkey, timestamp string) string {
	return base64.StdEncoding.EncodeToString([]byte(shortcode + passkey + timestamp))
}

// AccountReference makes s safe for the push's AccountReference: only
// letters, digits, spaces and dashes, spaces collapsed, at most 12
// characters. It never returns "" because Daraja rejects an empty
// reference; the fallback is "SokoHub".
func AccountReference(s string) string {
	return promptText(s, maxAccountReference, "SokoHub")
}

// TransactionDesc makes s safe for the push's TransactionDesc (Daraja calls
// it Remarks): same charset as AccountReference, at most 13 characters,
// never empty because a missing description was seen rejected with
// "Invalid Remarks". The fallback is "Payment".
func TransactionDesc(s string) string {
	return promptText(s, maxTransactionDesc, "Payment")
}

// promptText keeps [A-Za-z0-9 -], turns any whitespace into one space,
// trims and cuts to max bytes (the charset is ASCII, so bytes are runes).
func promptText(s string, max int, fallback string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(r)
		}
	}
	out := b.String()
	if len(out) > max {
		out = strings.TrimRight(out[:max], " ")
	}
	if out == "" {
		return fallback
	}
	return out
}
