package simulator

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// nairobi is Africa/Nairobi (EAT, UTC+3, no daylight saving), fixed so the
// simulator does not depend on the host's tz database.
var nairobi = time.FixedZone("EAT", 3*60*60)

const (
	alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	upperAlnum   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	upper        = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	tokenLength  = 28
)

func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return string(b)
}

// newRequestID returns an error requestId like "16813-15493914-1".
func newRequestID() string {
	return fmt.Sprintf("%d-%d-%d", 1000+rand.IntN(90000), 1000000+rand.IntN(90000000), 1+rand.IntN(9))
}

// newTokenLocked returns an access token no app currently holds.
func (s *Simulator) newTokenLocked() string {
	for {
		t := randomString(alphanumeric, tokenLength)
		if _, taken := s.tokens[t]; !taken {
			return t
		}
	}
}

// newMerchantRequestIDLocked returns a MerchantRequestID like
// "29115-34620561-7": two random groups and the push sequence number, so it
// is unique within the process.
func (s *Simulator) newMerchantRequestIDLocked() string {
	return fmt.Sprintf("%d-%d-%d", 10000+rand.IntN(90000), 10000000+rand.IntN(90000000), s.seq)
}

// newCheckoutRequestIDLocked returns "ws_CO_" + DDMMYYYYHHmmss (Nairobi) +
// 1–3 digits + the last 9 digits of phone. The middle digits come from the
// push sequence, skipping values already used in the same second for the same
// phone; ok is false when all 1000 are taken (over 1000 pushes a second to one
// phone).
func (s *Simulator) newCheckoutRequestIDLocked(phone string, now time.Time) (id string, ok bool) {
	stamp := now.In(nairobi).Format("02012006150405")
	tail := phone[len(phone)-9:]
	for range 1000 {
		s.seq++
		id = fmt.Sprintf("ws_CO_%s%d%s", stamp, s.seq%1000, tail)
		if _, taken := s.txs[id]; !taken {
			return id, true
		}
	}
	return "", false
}

// newReceiptLocked returns a receipt number like "NLJ7RT61SV": 10 uppercase
// alphanumerics starting with a letter, never handed out before.
func (s *Simulator) newReceiptLocked() string {
	for {
		r := randomString(upper, 1) + randomString(upperAlnum, 9)
		if _, taken := s.receipts[r]; !taken {
			s.receipts[r] = struct{}{}
			return r
		}
	}
}
