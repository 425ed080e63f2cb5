package api

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"strings"
)

// A device token is "dt." + device ID + "." + 32 random bytes in
// unpadded base64url. The ID part lets the server find the device's row;
// the database keeps only SHA-256 of the whole token, compared in constant
// time. 256 random bits need no slow hash: there is nothing to guess.
const tokenPrefix = "dt."

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

func random(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return b
}

// newDeviceID returns "dev_" and 20 random base32 characters.
func newDeviceID() string { return "dev_" + idEncoding.EncodeToString(random(13))[:20] }

// newLinkID returns a link ID: 32 random bytes, unpadded base64url.
func newLinkID() string { return base64.RawURLEncoding.EncodeToString(random(32)) }

// newDeviceToken returns a fresh token for device id and its hash.
func newDeviceToken(id string) (token string, hash []byte) {
	token = tokenPrefix + id + "." + base64.RawURLEncoding.EncodeToString(random(32))
	return token, hashToken(token)
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// tokenDeviceID returns the device ID a token names, or "" when the token
// is not in the device token form.
func tokenDeviceID(token string) string {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return ""
	}
	id, secret, ok := strings.Cut(rest, ".")
	if !ok || !strings.HasPrefix(id, "dev_") || len(id) != 24 || len(secret) != 43 {
		return ""
	}
	return id
}

// equalHash compares a token with a stored hash in constant time.
func equalHash(token string, stored []byte) bool {
	return subtle.ConstantTimeCompare(hashToken(token), stored) == 1
}

// bearer returns the Bearer credential of an Authorization header, or "".
func bearer(header string) string {
	scheme, cred, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(cred)
}
