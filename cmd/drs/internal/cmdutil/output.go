package cmdutil

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// WriteJSON writes v to w as indented JSON followed by a newline.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// TimeText formats t for humans and JSON alike: RFC 3339 in UTC, or "-" for
// the zero time.
func TimeText(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// ParseTime parses a date given in a flag: RFC 3339 (with or without
// fractional seconds) or a plain date (YYYY-MM-DD, midnight UTC). A bad value
// is a usage error naming the flag.
func ParseTime(flag, v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, FlagErrorf("invalid --%s %q: want an RFC 3339 date such as 2026-01-02T15:04:05Z, or 2026-01-02", flag, v)
}

// Check and Cross mark a passed and a failed step.
const (
	Check = "✓"
	Cross = "✗"
)

// Fprintf writes to w, ignoring errors: output errors on a terminal are
// not actionable.
func Fprintf(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, format, args...)
}
