// Package pathseg validates and escapes the parts of a DRS URL path that
// come from the caller (slot IDs, event instance IDs, models, serials).
package pathseg

import (
	"errors"
	"net/url"
	"strings"
	"unicode/utf8"
)

// MaxLen bounds a segment. Amazon documents 255 characters for
// eventInstanceId and nothing for slot IDs; 255 is used for all
// (docs/wire.md, "Replenish").
const MaxLen = 255

// Escape validates s, named what in errors, and escapes it so it reaches the
// server as exactly one segment: '/', '?', '#', '%' and spaces are
// percent-encoded, and "." and ".." are encoded too so no one cleans them
// away.
func Escape(what, s string) (string, error) {
	switch {
	case s == "":
		return "", errors.New(what + " is empty")
	case len(s) > MaxLen:
		return "", errors.New(what + " is longer than 255 bytes")
	case !utf8.ValidString(s):
		return "", errors.New(what + " is not valid UTF-8")
	case strings.Trim(s, ".") == "":
		return strings.ReplaceAll(s, ".", "%2E"), nil
	}
	return url.PathEscape(s), nil
}
