package pathseg

import (
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"slot-1", "slot-1", ""},
		{"a/b?c#d e%", "a%2Fb%3Fc%23d%20e%25", ""},
		{".", "%2E", ""},
		{"..", "%2E%2E", ""},
		{"a.b", "a.b", ""},
		{"", "", "slot ID is empty"},
		{strings.Repeat("x", 256), "", "slot ID is longer than 255 bytes"},
		{"\xff", "", "slot ID is not valid UTF-8"},
	} {
		got, err := Escape("slot ID", tc.in)
		if (err == nil) != (tc.err == "") || (err != nil && err.Error() != tc.err) || got != tc.want {
			t.Errorf("Escape(%q) = %q, %v; want %q, %q", tc.in, got, err, tc.want, tc.err)
		}
	}
}
