package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// keyIDPrefix domain-separates key ids from any other hash of the key, so
// the id published in every sealed value cannot be confused with, or reused
// as, some other digest of the master key.
const keyIDPrefix = "sokohub-kek-id:"

// keyIDLen is the length of a key id in hex characters (32 bits): enough to
// tell a handful of rotated keys apart, and NewKeyring rejects collisions.
const keyIDLen = 8

// Keyring holds the current master key, which seals, and older master keys,
// which still open values sealed before a rotation. It is safe for concurrent
// use. It keeps only the AES ciphers, never the raw key bytes, and its String
// method hides everything but key ids so that logging it cannot leak keys.
type Keyring struct {
	current string
	keks    map[string]cipher.AEAD
}

// NewKeyring returns a keyring that seals with master and opens values sealed
// with master or any of old. Every key must be 32 bytes. An old key equal to
// master is ignored, so an operator can list all keys during a rotation.
func NewKeyring(master []byte, old ...[]byte) (*Keyring, error) {
	k := &Keyring{keks: make(map[string]cipher.AEAD, 1+len(old))}
	kid, err := k.add(master)
	if err != nil {
		return nil, err
	}
	k.current = kid
	for i, key := range old {
		if _, err := k.add(key); err != nil {
			return nil, fmt.Errorf("old key %d: %w", i, err)
		}
	}
	return k, nil
}

// add registers key and returns its id. Duplicate keys are skipped; two
// different keys with the same id (a 32-bit collision) are refused, because
// Open could not tell which one sealed a value.
func (k *Keyring) add(key []byte) (string, error) {
	if len(key) != MasterKeySize {
		return "", fmt.Errorf("%w: %d bytes, want %d", ErrInvalidMasterKey, len(key), MasterKeySize)
	}
	kid := keyID(key)
	aead, err := newAEAD(key)
	if err != nil {
		return "", err
	}
	if _, ok := k.keks[kid]; ok {
		// Same id: either the same key listed twice (harmless) or a
		// collision; comparing ciphers tells the two apart without keeping
		// raw key bytes around.
		probe := aead.Seal(nil, nil, nil, []byte(kid))
		if _, err := k.keks[kid].Open(nil, nil, probe, []byte(kid)); err != nil {
			return "", fmt.Errorf("%w: key id collision on %s", ErrInvalidMasterKey, kid)
		}
		return kid, nil
	}
	k.keks[kid] = aead
	return kid, nil
}

// KeyID returns the id of the current master key: the id that Seal writes
// into new values and that KeyIDOf reports for them.
func (k *Keyring) KeyID() string { return k.current }

// String describes the keyring without key material, so that %v in a log
// line or a panic message is harmless.
func (k *Keyring) String() string {
	return fmt.Sprintf("secrets.Keyring{current: %s, keys: %d}", k.current, len(k.keks))
}

// GoString is String, so that %#v is harmless too.
func (k *Keyring) GoString() string { return k.String() }

// keyID derives the public id of a master key.
func keyID(key []byte) string {
	sum := sha256.Sum256(append([]byte(keyIDPrefix), key...))
	return hex.EncodeToString(sum[:])[:keyIDLen]
}

// newAEAD returns AES-256-GCM that draws a random 96-bit nonce per Seal and
// prepends it to the output, so nonce handling cannot be got wrong by callers.
func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	return aead, nil
}
