// Package secrets seals stored credentials (M-Pesa passkeys, courier API
// keys, webhook secrets) with envelope encryption, so a database dump alone
// reveals nothing.
//
// Each [Keyring.Seal] draws a fresh 32-byte data key, encrypts the plaintext
// under it with AES-256-GCM, then wraps the data key with AES-256-GCM under
// the master key (the key-encryption key, KEK). Both layers bind the caller's
// additional data (for example "store:42:passkey"), so a sealed value copied
// to another row or column fails to open. The master key lives only in
// configuration; rotating it means adding a new current key and keeping the
// old one in the keyring until a rewrap job has moved every row
// ([KeyIDOf] tells that job which rows are still on an old key).
//
// Sealed values are printable strings:
//
//	v1.<kid>.<base64url(nonce|wrapped data key)>.<base64url(nonce|ciphertext)>
//
// Errors never contain key material, plaintext or the sealed value.
package secrets
