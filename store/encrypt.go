package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// EncryptedPrefix starts every value that [Encrypt] stores: "enc:v1:" followed
// by the standard base64 of a 12-byte random nonce and the AES-GCM
// ciphertext.
const EncryptedPrefix = "enc:v1:"

// ErrDecrypt is wrapped by the error an encrypted store's Load returns when a
// stored value cannot be decrypted or is not encrypted at all.
var ErrDecrypt = errors.New("store: cannot decrypt refresh token")

type encrypted struct {
	inner TokenStore
	aead  cipher.AEAD
}

// Encrypt returns a TokenStore that keeps refresh tokens in inner encrypted
// with AES-GCM under key, which must be 16, 24 or 32 bytes (AES-128, -192 or
// -256; see [ParseEncryptionKey]). Every Save draws a fresh random nonce, and
// the device key is bound to the ciphertext as additional data, so a value
// copied to another key's row does not decrypt. A stolen database file alone
// then does not give away any refresh token.
//
// Load refuses a stored value that is not encrypted (it never silently
// accepts plaintext) and one that the key does not open; both errors wrap
// [ErrDecrypt] and name the store (inner's String method, when it has one)
// and the device key, never the token.
//
// Save never overwrites a value it cannot read: when the stored value is
// encrypted but does not open with key (another key, another format, or
// corrupt), Save fails with an error wrapping [ErrDecrypt] and leaves it as
// it is, so one instance configured with the wrong key cannot destroy the
// tokens of a fleet, and a token that the right key still opens is not lost.
// To replace such a value on purpose, Delete the device key first. (The check
// reads the value before writing; it guards against a wrong key, not against
// a concurrent writer.) A plaintext value is readable, so Save replaces it:
// to encrypt existing tokens, Load them from the plain store and Save them
// through the encrypted one. To change the key, Load each token through a
// store with the old key, Delete it, and Save it through one with the new
// key. Delete passes through.
func Encrypt(inner TokenStore, key []byte) (TokenStore, error) {
	if inner == nil {
		return nil, errors.New("store: Encrypt: nil TokenStore")
	}
	switch len(key) {
	case 16, 24, 32:
	default:
		return nil, fmt.Errorf("store: Encrypt: key is %d bytes; AES-GCM needs 16, 24 or 32", len(key))
	}
	block, err := aes.NewCipher(append([]byte(nil), key...))
	if err != nil {
		return nil, fmt.Errorf("store: Encrypt: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("store: Encrypt: %w", err)
	}
	return &encrypted{inner: inner, aead: aead}, nil
}

// additionalData encodes k unambiguously (each field length-prefixed, so
// "a/b"+"c" and "a"+"b/c" differ) for use as GCM additional data.
func additionalData(k Key) []byte {
	b := []byte("drs-store-token-v1")
	for _, f := range []string{k.ClientID, k.DeviceModel, k.Serial} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// String names the inner store, for errors and logs.
func (e *encrypted) String() string { return storeName(e.inner) + " (encrypted)" }

// storeName is how errors name ts: its String method's result, or its type.
func storeName(ts TokenStore) string {
	if s, ok := ts.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", ts)
}

// Load decrypts the value inner holds under k.
func (e *encrypted) Load(ctx context.Context, k Key) (string, error) {
	v, err := e.inner.Load(ctx, k)
	if err != nil {
		return "", err
	}
	rt, err := e.open(k, v)
	if err != nil {
		return "", fmt.Errorf("%s: load key %q: %w", storeName(e.inner), k.String(), err)
	}
	return rt, nil
}

// errPlaintext is wrapped by open's error for a value that is not encrypted.
var errPlaintext = errors.New("the stored value is not encrypted; an encrypted store refuses plaintext (save the token again through the encrypted store)")

// open decrypts v, the value stored under k. Its errors wrap ErrDecrypt and
// never quote v.
func (e *encrypted) open(k Key, v string) (string, error) {
	rest, ok := strings.CutPrefix(v, EncryptedPrefix)
	if !ok {
		if strings.HasPrefix(v, "enc:") {
			return "", fmt.Errorf("%w: unsupported encryption format (this program reads %q)", ErrDecrypt, EncryptedPrefix)
		}
		return "", fmt.Errorf("%w: %w", ErrDecrypt, errPlaintext)
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(raw) < e.aead.NonceSize()+e.aead.Overhead() {
		return "", fmt.Errorf("%w: the stored value is corrupt", ErrDecrypt)
	}
	nonce, ct := raw[:e.aead.NonceSize()], raw[e.aead.NonceSize():]
	pt, err := e.aead.Open(nil, nonce, ct, additionalData(k))
	if err != nil {
		return "", fmt.Errorf("%w: wrong encryption key, or the value was stored under another key", ErrDecrypt)
	}
	return string(pt), nil
}

// Save encrypts refreshToken with a fresh nonce and saves it in inner,
// unless inner holds a value under k that is encrypted but does not open (see
// [Encrypt]).
func (e *encrypted) Save(ctx context.Context, k Key, refreshToken string) error {
	if err := k.Validate(); err != nil {
		return err
	}
	if refreshToken == "" {
		return fmt.Errorf("store: save key %q: empty refresh token (use Delete)", k.String())
	}
	// Any error but "not found" and "plaintext" leaves the decision to
	// inner.Save: a store that cannot be read will not be written either.
	if old, err := e.inner.Load(ctx, k); err == nil {
		if _, err := e.open(k, old); err != nil && !errors.Is(err, errPlaintext) {
			return fmt.Errorf("%s: save key %q: %w; the stored value is kept (delete the key first to replace it)",
				storeName(e.inner), k.String(), err)
		}
	}
	nonce := make([]byte, e.aead.NonceSize(), e.aead.NonceSize()+len(refreshToken)+e.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return fmt.Errorf("store: save key %q: nonce: %w", k.String(), err)
	}
	sealed := e.aead.Seal(nonce, nonce, []byte(refreshToken), additionalData(k))
	return e.inner.Save(ctx, k, EncryptedPrefix+base64.StdEncoding.EncodeToString(sealed))
}

// Delete removes k from inner.
func (e *encrypted) Delete(ctx context.Context, k Key) error { return e.inner.Delete(ctx, k) }

// ParseEncryptionKey decodes an encryption key given as text, for example in
// a flag or an environment variable: 32, 48 or 64 hex digits, or standard or
// URL-safe base64 (padded or not) of 16, 24 or 32 bytes. Generate one with
// "openssl rand -base64 32". The error never repeats the input.
func ParseEncryptionKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("store: encryption key is empty")
	}
	var candidates [][]byte
	if b, err := hex.DecodeString(s); err == nil {
		candidates = append(candidates, b)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			candidates = append(candidates, b)
		}
	}
	for _, b := range candidates {
		switch len(b) {
		case 16, 24, 32:
			return b, nil
		}
	}
	return nil, fmt.Errorf("store: encryption key (%d characters) is not hex or base64 of 16, 24 or 32 bytes", len(s))
}
