package secrets

import "unicode/utf8"

// maskBullets stands in for the hidden part of a credential. It has a fixed
// length so the mask does not reveal how long the secret is.
const maskBullets = "••••"

// Mask returns s for display with everything but its last four characters
// hidden ("••••" + last 4), so a merchant can tell which credential is
// configured without the page revealing it. Values of four characters or
// fewer are hidden entirely. An empty value stays empty, so the UI can still
// tell "not set" from "set".
func Mask(s string) string {
	if s == "" {
		return ""
	}
	n := utf8.RuneCountInString(s)
	if n <= 4 {
		return maskBullets
	}
	// Walk back four runes rather than four bytes, so multi-byte characters
	// are never split into invalid UTF-8.
	i := len(s)
	for range 4 {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return maskBullets + s[i:]
}
