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
// stored value cannot be decrypted or is not encrypted at all, and by the
// error its Save returns when it refuses to replace such a value.
var ErrDecrypt = errors.New("store: cannot decrypt refresh token")

// ErrPlaintext is wrapped by the error an encrypted store's Load returns when
// the stored value is not encrypted at all. It wraps [ErrDecrypt], so
// errors.Is(err, ErrDecrypt) holds for it too; test for ErrPlaintext first to
// tell "not encrypted" from "wrong key or corrupt".
var ErrPlaintext = fmt.Errorf("%w: the stored value is not encrypted; an encrypted store refuses plaintext", ErrDecrypt)

type encrypted struct {
	inner TokenStore
	aead  cipher.AEAD   // the current key: seals every Save
	opens []cipher.AEAD // aead, then the previous keys: Load tries them in order
}

// Encrypt returns a TokenStore that keeps refresh tokens in inner encrypted
// with AES-GCM under key, which must be 16, 24 or 32 bytes (AES-128, -192 or
// -256; see [ParseEncryptionKey]). Every Save draws a fresh random nonce, and
// the device key is bound to the ciphertext as additional data, so a value
// copied to another key's row does not decrypt. A stolen database file alone
// then does not give away any refresh token.
//
// previous are keys used before key (same sizes), for changing keys: Load
// opens a value with key or any of them, and Save always encrypts with key.
//
// Load refuses a stored value that is not encrypted (it never silently
// accepts plaintext; the error wraps [ErrPlaintext]) and one that none of the
// keys opens; both errors wrap [ErrDecrypt] and name the store (inner's
// String method, when it has one) and the device key, never the token.
//
// Save never overwrites a value it cannot read. It first loads the stored
// value and replaces it only when there is none, when key or a previous key
// opens it, or when it is plaintext (which is readable: to encrypt existing
// tokens, Load them from the plain store and Save them through the encrypted
// one). When the value is encrypted but none of the keys opens it (another
// key, another format, or corrupt), Save fails with an error wrapping
// [ErrDecrypt] and leaves it as it is, so one instance configured with the
// wrong key cannot destroy the tokens of a fleet, and a token that the right
// key still opens is not lost. When the stored value cannot be loaded at all
// (any error but [ErrNotFound], even a transient one), Save fails with an
// error wrapping that one and writes nothing. To replace a value on purpose,
// Delete the device key first. (The check reads the value before writing; it
// guards against a wrong key, not against a concurrent writer.)
//
// To change keys without a moment when a token is lost, open the store with
// the new key and the old one as previous, Load and Save every device key
// through it (each Save re-encrypts the token in place under the new key),
// then drop the old key. Delete passes through.
func Encrypt(inner TokenStore, key []byte, previous ...[]byte) (TokenStore, error) {
	if inner == nil {
		return nil, errors.New("store: Encrypt: nil TokenStore")
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, fmt.Errorf("store: Encrypt: key %w", err)
	}
	e := &encrypted{inner: inner, aead: aead, opens: []cipher.AEAD{aead}}
	for i, p := range previous {
		a, err := newAEAD(p)
		if err != nil {
			return nil, fmt.Errorf("store: Encrypt: previous key %d %w", i+1, err)
		}
		e.opens = append(e.opens, a)
	}
	return e, nil
}

// newAEAD returns AES-GCM under key; its error completes "key ...".
func newAEAD(key []byte) (cipher.AEAD, error) {
	switch len(key) {
	case 16, 24, 32:
	default:
		return nil, fmt.Errorf("is %d bytes; AES-GCM needs 16, 24 or 32", len(key))
	}
	block, err := aes.NewCipher(append([]byte(nil), key...))
	if err != nil {
		return nil, fmt.Errorf("is unusable: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("is unusable: %w", err)
	}
	return aead, nil
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

// open decrypts v, the value stored under k, with the current key or a
// previous one. Its errors wrap ErrDecrypt and never quote v.
func (e *encrypted) open(k Key, v string) (string, error) {
	rest, ok := strings.CutPrefix(v, EncryptedPrefix)
	if !ok {
		if strings.HasPrefix(v, "enc:") {
			return "", fmt.Errorf("%w: unsupported encryption format (this program reads %q)", ErrDecrypt, EncryptedPrefix)
		}
		return "", fmt.Errorf("%w (save the token again through the encrypted store)", ErrPlaintext)
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(raw) < e.aead.NonceSize()+e.aead.Overhead() {
		return "", fmt.Errorf("%w: the stored value is corrupt", ErrDecrypt)
	}
	ad := additionalData(k)
	for _, aead := range e.opens {
		nonce, ct := raw[:aead.NonceSize()], raw[aead.NonceSize():]
		if pt, err := aead.Open(nil, nonce, ct, ad); err == nil {
			return string(pt), nil
		}
	}
	if len(e.opens) > 1 {
		return "", fmt.Errorf("%w: wrong encryption key (none of the %d keys opens it), or the value was stored under another device key", ErrDecrypt, len(e.opens))
	}
	return "", fmt.Errorf("%w: wrong encryption key, or the value was stored under another key", ErrDecrypt)
}

// Save encrypts refreshToken under the current key with a fresh nonce and
// saves it in inner, unless what inner holds under k cannot be loaded or is
// encrypted but does not open (see [Encrypt]).
func (e *encrypted) Save(ctx context.Context, k Key, refreshToken string) error {
	if err := k.Validate(); err != nil {
		return err
	}
	if refreshToken == "" {
		return fmt.Errorf("store: save key %q: empty refresh token (use Delete)", k.String())
	}
	// Write only over nothing, a value one of the keys opens, or plaintext:
	// a value that could not be read (even for a transient reason) may be a
	// token that the right key opens.
	old, err := e.inner.Load(ctx, k)
	switch {
	case err == nil:
		if _, err := e.open(k, old); err != nil && !errors.Is(err, ErrPlaintext) {
			return fmt.Errorf("%s: save key %q: %w; the stored value is kept (delete the key first to replace it)",
				storeName(e.inner), k.String(), err)
		}
	case errors.Is(err, ErrNotFound):
	default:
		return fmt.Errorf("%s: save key %q: cannot read the stored value to check that it may be replaced, so nothing was written: %w",
			storeName(e.inner), k.String(), err)
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
