package drssim

import (
	"strconv"
	"time"
)

// maxDateLen bounds the dates parseISODate looks at; the longest accepted
// form, with nine fraction digits and a ±hh:mm offset, is 35 bytes.
const maxDateLen = 40

// parseISODate parses the ISO 8601 dates the status endpoints accept
// (docs/wire.md, "SlotStatus": Amazon documents "ISO 8601" and its Android sample
// sends calendar dates such as "2017-04-01"):
//
//   - a calendar date YYYY-MM-DD, taken as midnight UTC;
//   - a date-time YYYY-MM-DDThh:mm:ss, with or without a fraction of a
//     second (after '.' or ISO 8601's ',') and with a Z, ±hh:mm or ±hhmm
//     offset ('t' and 'z' in lower case too, as RFC 3339 allows).
//
// A date-time without an offset is refused: it names no instant, and no
// client is recorded sending one (the emulator's choice). Other ISO 8601
// forms (week dates, ordinal dates, reduced precision) are refused too.
func parseISODate(s string) (time.Time, bool) {
	if len(s) == len(time.DateOnly) {
		t, err := time.Parse(time.DateOnly, s)
		return t, err == nil
	}
	if len(s) < len("2006-01-02T15:04:05Z") || len(s) > maxDateLen || (s[10] != 'T' && s[10] != 't') {
		return time.Time{}, false
	}
	b := []byte(s)
	b[10] = 'T'
	if b[19] == ',' {
		b[19] = '.'
	}
	n := len(b)
	switch {
	case b[n-1] == 'Z' || b[n-1] == 'z':
		b[n-1] = 'Z'
	case isSign(b[n-6]) && b[n-3] == ':':
	case isSign(b[n-5]) && isDigit(b[n-4]) && isDigit(b[n-3]) && isDigit(b[n-2]) && isDigit(b[n-1]):
		b = append(b[:n-2:n-2], ':', b[n-2], b[n-1]) // ±hhmm to ±hh:mm
	default:
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	return t, err == nil
}

func isSign(c byte) bool  { return c == '+' || c == '-' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// quoteShort quotes s for an error message, cut to 64 bytes.
func quoteShort(s string) string {
	const max = 64
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}
