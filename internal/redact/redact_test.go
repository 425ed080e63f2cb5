package redact

import (
	"errors"
	"fmt"
	"testing"
)

// TestRedact is the table of the forms a secret is recognised in.
func TestRedact(t *testing.T) {
	const sec = "Atzr|IwEBI/se cret+tok"
	r := New([]string{sec, "s3cret-client", "Atzr|IwEBI"})
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "x " + sec + " y", "x [redacted] y"},
		{"query escaped", "x Atzr%7CIwEBI%2Fse+cret%2Btok y", "x [redacted] y"},
		{"path escaped", "Atzr%7CIwEBI%2Fse%20cret+tok", "[redacted]"},
		{"lower-case hex", "Atzr%7cIwEBI%2fse%20cret%2btok", "[redacted]"},
		{"JSON escapes", `"Atzr\u007cIwEBI\/se cret+tok"`, `"[redacted]"`},
		{"mixed", `Atzr%7CIwEBI\/se%20cret\u002btok`, "[redacted]"},
		{"longest first", "Atzr|IwEBI and " + sec, "[redacted] and [redacted]"},
		{"other secret", "s3cret-client!", "[redacted]!"},
		{"nothing to do", "Atza|other token", "Atza|other token"},
		{"escaped backslash starts nothing", `\\u007c`, `\\u007c`},
		{"cut short", "Atzr|IwEB", "Atzr|IwEB"},
		{"JSON holding a quoted JSON secret", `{"m":"{\"t\":\"Atzr\\u007cIwEBI\"}"}`, `{"m":"{\"t\":\"[redacted]\"}"}`},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.Redact(tc.in); got != tc.want {
				t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestNewWithoutSecrets(t *testing.T) {
	var r *Redactor = New(nil)
	if r != nil || r.Redact("text") != "text" {
		t.Errorf("New(nil) = %v; a nil Redactor must return text unchanged", r)
	}
}

func TestHoldsSecret(t *testing.T) {
	r := New([]string{"Atzr|secret-token"})
	hidden := fmt.Errorf("outer: %w", opaque{errors.New("echo Atzr%7Csecret-token")})
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{errors.New("clean"), false},
		{fmt.Errorf("wrap: %w", errors.New("Atzr|secret-token")), true},
		{hidden, true}, // the outer text is clean; the chain is not
		{errors.Join(errors.New("a"), errors.New("b Atzr|secret-token")), true},
	} {
		if got := r.HoldsSecret(tc.err); got != tc.want {
			t.Errorf("HoldsSecret(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

type opaque struct{ err error }

func (o opaque) Error() string { return "opaque" }
func (o opaque) Unwrap() error { return o.err }
