package drssim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	mrand "math/rand/v2"
	"strings"
)

const hexDigits = "0123456789abcdef"

// newRequestID returns a random UUID version 4 for X-Amzn-Requestid. It uses
// the fast ChaCha8 generator of math/rand/v2: request IDs need to be unique,
// not secret.
func newRequestID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], mrand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], mrand.Uint64())
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

// randomToken returns prefix followed by n random bytes in unpadded
// URL-safe base64, from crypto/rand: access and refresh tokens, consent IDs.
func randomToken(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// newAccessToken returns an LWA-style access token: "Atza|" and 360
// characters, longer than the 350 LWA documents as the minimum.
func newAccessToken() string { return randomToken("Atza|IwEB", 267) }

// newRefreshToken returns an LWA-style refresh token ("Atzr|...").
func newRefreshToken() string { return randomToken("Atzr|IwEB", 267) }

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

// newOrderID returns an eventInstanceId shaped like Amazon's:
// "amzn1.dash.v2.o." and 26 random lower-case base32 characters.
func newOrderID() string {
	return "amzn1.dash.v2.o." + strings.ToLower(rand.Text())
}
