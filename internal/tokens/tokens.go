// Package tokens makes unguessable bearer values (API tokens, order links,
// callback paths) and the hashes stored in their place, so a database leak
// does not hand out working tokens.
package tokens

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// New returns a fresh token with prefix (256 random bits) and its hash.
func New(prefix string) (raw, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	raw = prefix + base64.RawURLEncoding.EncodeToString(b)
	return raw, Hash(raw)
}

// Hash is the stored form of raw.
func Hash(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// Deriver makes per-row tokens from a server key and the row id, so any
// process holding the key can rebuild a token (a callback URL, a link in a
// customer's SMS) without it ever being stored; rows keep only Hash.
type Deriver struct{ key []byte }

// NewDeriver returns a Deriver whose key is derived from master.
func NewDeriver(master []byte) Deriver {
	m := hmac.New(sha256.New, master)
	m.Write([]byte("sokohub:derived-tokens:v1"))
	return Deriver{key: m.Sum(nil)}
}

// Token returns the token for id under purpose (e.g. "callback", "order");
// purposes keep one kind of token from opening another kind of door.
func (d Deriver) Token(purpose, id string) string {
	m := hmac.New(sha256.New, d.key)
	m.Write([]byte(purpose + ":" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Hash returns Hash(Token(purpose, id)).
func (d Deriver) Hash(purpose, id string) string { return Hash(d.Token(purpose, id)) }
