package drssim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	mrand "math/rand/v2"
)

const hexDigits = "0123456789abcdef"

// formatUUID writes b as a UUID version 4: 8-4-4-4-12 lower-case hex
// digits, with the version and RFC 4122 variant bits set.
func formatUUID(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	var out [36]byte
	j := 0
	for i, v := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = hexDigits[v>>4], hexDigits[v&0x0f]
		j += 2
	}
	return string(out[:])
}

// newRequestID returns a random UUID version 4 for x-amzn-RequestId. It uses
// the fast ChaCha8 generator of math/rand/v2: request IDs need to be unique,
// not secret.
func newRequestID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], mrand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], mrand.Uint64())
	return formatUUID(b)
}

// randomToken returns prefix followed by n random bytes in unpadded
// URL-safe base64, from crypto/rand: access and refresh tokens, consent IDs.
func randomToken(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// Token shapes. Real LWA tokens are "Atza|IwEBI" or "Atzr|IwEBI" followed by
// URL-safe base64, about 460 characters in all (docs/wire.md, "The answer"; the 2017
// ESP8266 log of Alpha-Amol/OmegaJar and andium/AmazonDRS
// src/AmazonTokens.h); LWA documents at least 350 and at most 2048 bytes
// (§2.3). 337 random bytes give 450 base64 characters: 460 in all.
const tokenRandomBytes = 337

// newAccessToken returns an LWA-style access token of 460 characters.
func newAccessToken() string { return randomToken("Atza|IwEBI", tokenRandomBytes) }

// newRefreshToken returns an LWA-style refresh token of 460 characters.
func newRefreshToken() string { return randomToken("Atzr|IwEBI", tokenRandomBytes) }

// newAuthCode returns an authorization code shaped like LWA's: 20 letters.
func newAuthCode() string {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return string(b)
}

// orderIDPrefix begins every eventInstanceId.
const orderIDPrefix = "amzn1.dash.v2.o."

// newOrderID returns an eventInstanceId shaped like Amazon's
// (docs/wire.md, "Replenish"; a real TEST_ORDER_PLACED answer in
// Alpha-Amol/OmegaJar's ESP8266
// log): "amzn1.dash.v2.o." and the standard base64 of "r.<uuid>.<uuid>",
// 116 characters in all. Those 75 bytes (r, '.', '-', hex digits) encode
// without padding and never to '+' or '/', so the ID is safe in a URL path.
// The UUIDs are random version 4 ones from crypto/rand.
func newOrderID() string {
	var a, b [16]byte
	_, _ = rand.Read(a[:])
	_, _ = rand.Read(b[:])
	raw := "r." + formatUUID(a) + "." + formatUUID(b)
	return orderIDPrefix + base64.StdEncoding.EncodeToString([]byte(raw))
}
