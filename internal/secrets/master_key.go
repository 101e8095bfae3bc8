package secrets

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// MasterKeySize is the length in bytes of a master key (AES-256).
const MasterKeySize = 32

// ErrInvalidMasterKey reports a master key that is not 32 bytes or not
// base64. Its message never includes the key, since it ends up in logs when
// configuration is rejected at startup.
var ErrInvalidMasterKey = errors.New("secrets: invalid master key")

// ParseMasterKey decodes a master key from configuration. It accepts standard
// or URL-safe base64, padded or not, because operators paste keys from
// different tools; surrounding whitespace (a trailing newline from a secrets
// file) is ignored. The key must decode to exactly 32 bytes.
func ParseMasterKey(b64 string) ([]byte, error) {
	s := strings.TrimSpace(b64)
	if s == "" {
		return nil, fmt.Errorf("%w: empty", ErrInvalidMasterKey)
	}
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding,
		base64.URLEncoding, base64.RawURLEncoding,
	} {
		key, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(key) != MasterKeySize {
			// The length is not secret and tells the operator what went wrong.
			return nil, fmt.Errorf("%w: decodes to %d bytes, want %d", ErrInvalidMasterKey, len(key), MasterKeySize)
		}
		return key, nil
	}
	// The base64 error is dropped on purpose: its offset and the surrounding
	// context are not worth the risk of describing the key.
	return nil, fmt.Errorf("%w: not base64", ErrInvalidMasterKey)
}

// GenerateMasterKey returns a new random master key as standard base64, the
// form [ParseMasterKey] reads back from configuration.
func GenerateMasterKey() (string, error) {
	key := make([]byte, MasterKeySize)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("secrets: generate master key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(key), nil
}
