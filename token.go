package drs

import (
	"log/slog"
	"time"
)

// Token is a device's set of LWA tokens.
type Token struct {
	// AccessToken authorises DRS calls ("Atza|..."); it expires after an hour.
	AccessToken string
	// RefreshToken obtains new access tokens ("Atzr|..."); it lasts until the
	// customer or the device deregisters.
	RefreshToken string
	// Expiry is when AccessToken stops working; zero if unknown.
	Expiry time.Time
}

// String describes the token without revealing it.
func (t Token) String() string {
	return "drs.Token{access:" + present(t.AccessToken) + " refresh:" + present(t.RefreshToken) + " expiry:" + t.Expiry.UTC().Format(time.RFC3339) + "}"
}

// LogValue lets slog print a Token without revealing it.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("access_token", present(t.AccessToken)),
		slog.String("refresh_token", present(t.RefreshToken)),
		slog.Time("expiry", t.Expiry),
	)
}

// GoString keeps %#v from revealing the token.
func (t Token) GoString() string { return t.String() }

func present(s string) string {
	if s == "" {
		return "unset"
	}
	return "set(redacted)"
}
