package secrets

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Sealed-value format constants. The version prefix lets a future format
// (another AEAD, a KMS-wrapped data key) coexist with rows written today.
const (
	formatVersion = "v1"
	dataKeySize   = 32
)

// Domain labels for the two encryption layers, so a wrapped data key can
// never be accepted as a ciphertext or the other way round.
const (
	labelWrap = "sokohub-secrets/v1/dek"
	labelData = "sokohub-secrets/v1/data"
)

var b64 = base64.RawURLEncoding

// ErrUnknownKey reports a sealed value whose master key is not in the
// keyring: usually an old key dropped from configuration before the rewrap
// job finished.
var ErrUnknownKey = errors.New("secrets: unknown master key")

// ErrCorrupt reports a sealed value that is malformed, was tampered with, or
// is being opened with different additional data than it was sealed with
// (for example another store's row). GCM cannot tell these apart, and
// callers should not try to.
var ErrCorrupt = errors.New("secrets: sealed value is corrupt or bound to other data")

// Seal encrypts plaintext under a fresh data key, wraps that key under the
// current master key, and binds aad (say "store:42:passkey") into both
// layers. Every call returns a different string, even for equal inputs.
func (k *Keyring) Seal(plaintext, aad []byte) (string, error) {
	if k == nil || k.keks[k.current] == nil {
		return "", errors.New("secrets: Seal on a Keyring not built by NewKeyring")
	}
	dek := make([]byte, dataKeySize)
	if _, err := rand.Read(dek); err != nil {
		return "", fmt.Errorf("secrets: generate data key: %w", err)
	}
	defer clear(dek)

	data, err := newAEAD(dek)
	if err != nil {
		return "", err
	}
	kid := k.current
	ciphertext := data.Seal(nil, nil, plaintext, layerAAD(labelData, kid, aad))
	wrapped := k.keks[kid].Seal(nil, nil, dek, layerAAD(labelWrap, kid, aad))

	return strings.Join([]string{formatVersion, kid, b64.EncodeToString(wrapped), b64.EncodeToString(ciphertext)}, "."), nil
}

// Open reverses Seal. It returns ErrUnknownKey when the value was sealed with
// a master key this keyring does not hold, and ErrCorrupt for anything else
// that fails, including a different aad than the one used to seal.
func (k *Keyring) Open(sealed string, aad []byte) ([]byte, error) {
	if k == nil {
		return nil, fmt.Errorf("%w: nil keyring", ErrUnknownKey)
	}
	version, kid, wrappedB64, ciphertextB64, ok := split(sealed)
	if !ok {
		return nil, fmt.Errorf("%w: malformed", ErrCorrupt)
	}
	if version != formatVersion {
		return nil, fmt.Errorf("%w: unsupported format version", ErrCorrupt)
	}
	kek, found := k.keks[kid]
	if !found {
		// kid passed validKeyID, so echoing it is safe and tells the
		// operator which old key to restore.
		return nil, fmt.Errorf("%w: key id %s", ErrUnknownKey, kid)
	}
	wrapped, err1 := b64.DecodeString(wrappedB64)
	ciphertext, err2 := b64.DecodeString(ciphertextB64)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("%w: bad encoding", ErrCorrupt)
	}

	dek, err := kek.Open(nil, nil, wrapped, layerAAD(labelWrap, kid, aad))
	if err != nil || len(dek) != dataKeySize {
		return nil, ErrCorrupt
	}
	defer clear(dek)
	data, err := newAEAD(dek)
	if err != nil {
		return nil, ErrCorrupt
	}
	plaintext, err := data.Open(nil, nil, ciphertext, layerAAD(labelData, kid, aad))
	if err != nil {
		return nil, ErrCorrupt
	}
	return plaintext, nil
}

// KeyIDOf returns the id of the master key that sealed a value, or "" if the
// value is not in a known format. A rewrap job uses it to find rows still
// sealed under an old key without decrypting anything.
func KeyIDOf(sealed string) string {
	version, kid, _, _, ok := split(sealed)
	if !ok || version != formatVersion {
		return ""
	}
	return kid
}

// split breaks a sealed value into its four fields, checking only shape.
func split(sealed string) (version, kid, wrapped, ciphertext string, ok bool) {
	parts := strings.Split(sealed, ".")
	if len(parts) != 4 || !validKeyID(parts[1]) || parts[2] == "" || parts[3] == "" {
		return "", "", "", "", false
	}
	return parts[0], parts[1], parts[2], parts[3], true
}

// validKeyID reports whether s has the shape of a key id (8 lowercase hex).
func validKeyID(s string) bool {
	if len(s) != keyIDLen {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// layerAAD builds the additional data for one layer. The key id is fixed
// length and the label ends in a NUL, so the concatenation is unambiguous.
func layerAAD(label, kid string, aad []byte) []byte {
	out := make([]byte, 0, len(label)+1+len(kid)+1+len(aad))
	out = append(out, label...)
	out = append(out, 0)
	out = append(out, kid...)
	out = append(out, 0)
	return append(out, aad...)
}
