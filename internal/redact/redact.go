// Package redact finds secrets in text and replaces them with
// "[redacted]", both as they are and as a server may echo them:
// percent-encoded or JSON-escaped, in any mix, and inside JSON documents.
package redact

import (
	"cmp"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/amazondrs/drs/internal/transport"
)

// Redacted replaces a secret in every error field and log line.
const Redacted = "[redacted]"

// Redactor finds secrets in text, both as they are and as a server may echo
// them: percent-encoded (the url.QueryEscape and url.PathEscape forms, hex
// digits in either case, '+' for a space) or escaped as in a JSON string
// (\uXXXX for any character, \/ and the other two-character escapes), in any
// mix.
type Redactor struct {
	secrets []string  // longest first
	starts  [256]bool // the bytes an occurrence of a secret can start with
}

// New returns a Redactor for secrets, or nil if there are none.
// Longer secrets are matched first, so that a secret that is part of a
// longer one does not leave the rest of the longer one behind.
func New(secrets []string) *Redactor {
	if len(secrets) == 0 {
		return nil
	}
	r := &Redactor{secrets: slices.Clone(secrets)}
	slices.SortFunc(r.secrets, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	r.secrets = slices.Compact(r.secrets)
	r.starts['%'], r.starts['\\'] = true, true
	for _, s := range r.secrets {
		r.starts[s[0]] = true
		if s[0] == ' ' {
			r.starts['+'] = true
		}
	}
	return r
}

// replace returns s with every occurrence of a secret replaced by redacted.
func (r *Redactor) replace(s string) string {
	var b strings.Builder
	last := 0
	run := 0 // how many backslashes stand right before s[i]
	for i := 0; i < len(s); i++ {
		c := s[i]
		// A backslash escaped by the one before it starts nothing.
		if r.starts[c] && !(c == '\\' && run%2 == 1) {
			matched := false
			for _, sec := range r.secrets {
				if end := match(s, i, sec); end >= 0 {
					b.WriteString(s[last:i])
					b.WriteString(Redacted)
					last, i, matched = end, end-1, true
					break
				}
			}
			if matched {
				run = 0
				continue
			}
		}
		if c == '\\' {
			run++
		} else {
			run = 0
		}
	}
	if b.Len() == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// match returns the end of an occurrence of sec, in any mix of the forms a
// redactor knows, that starts at s[i], or -1 if there is none.
func match(s string, i int, sec string) int {
	for sec != "" {
		if i >= len(s) {
			return -1
		}
		if dec, n := unescape(s[i:]); n > 0 && strings.HasPrefix(sec, dec) {
			if s[i] != sec[0] { // the escape is the only reading
				i, sec = i+n, sec[len(dec):]
				continue
			}
			if end := match(s, i+n, sec[len(dec):]); end >= 0 { // "%25" for '%': try both readings
				return end
			}
		}
		if s[i] != sec[0] && (s[i] != '+' || sec[0] != ' ') {
			return -1
		}
		i, sec = i+1, sec[1:]
	}
	return i
}

// unescape decodes the percent-escape or JSON string escape at the start of
// t. It returns the bytes the escape stands for and its length, or n == 0 if
// t does not start with one.
func unescape(t string) (dec string, n int) {
	switch {
	case len(t) >= 3 && t[0] == '%':
		if b, err := hex.DecodeString(t[1:3]); err == nil {
			return string(b), 3
		}
	case len(t) >= 6 && t[:2] == `\u`:
		r1, err := strconv.ParseUint(t[2:6], 16, 16)
		if err != nil {
			break
		}
		if len(t) >= 12 && t[6:8] == `\u` {
			if r2, err := strconv.ParseUint(t[8:12], 16, 16); err == nil {
				if r := utf16.DecodeRune(rune(r1), rune(r2)); r != utf8.RuneError {
					return string(r), 12 // a surrogate pair
				}
			}
		}
		return string(rune(r1)), 6
	case len(t) >= 2 && t[0] == '\\':
		if i := strings.IndexByte(`"\/bfnrt`, t[1]); i >= 0 {
			return "\"\\/\b\f\n\r\t"[i : i+1], 2
		}
	}
	return "", 0
}

// Redact returns s with every secret replaced by "[redacted]". If s is JSON
// whose decoded strings still hold a secret (say, one escaped twice, in a
// JSON document quoted inside s), the scrubbed decoded value is encoded
// again instead, with object keys sorted and insignificant space dropped
// (a duplicate key keeps its last value, as encoding/json decodes it); if
// that fails, all of s is replaced.
func (r *Redactor) Redact(s string) string {
	if r == nil {
		return s
	}
	s = r.replace(s)
	if !json.Valid([]byte(s)) {
		return s
	}
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return s
	}
	v, changed := r.redactValue(v)
	if !changed {
		return s
	}
	var out strings.Builder
	e := json.NewEncoder(&out)
	e.SetEscapeHTML(false) // keep <, > and & as they were
	if err := e.Encode(v); err != nil {
		return Redacted
	}
	return strings.TrimSuffix(out.String(), "\n")
}

// redactValue returns v, a value decoded from JSON, with the secrets in its
// strings and object keys replaced, and whether anything was replaced.
func (r *Redactor) redactValue(v any) (any, bool) {
	changed := false
	switch v := v.(type) {
	case string:
		s := r.Redact(v)
		return s, s != v
	case []any:
		for i := range v {
			var c bool
			v[i], c = r.redactValue(v[i])
			changed = changed || c
		}
		return v, changed
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			rk := r.Redact(k)
			rx, c := r.redactValue(x)
			out[rk] = rx
			changed = changed || c || rk != k
		}
		return out, changed
	}
	return v, false
}

// HoldsSecret reports whether the text of err, or of any error in its
// chain, holds a secret.
func (r *Redactor) HoldsSecret(err error) bool {
	found := false
	transport.WalkChain(err, func(e error) bool {
		msg := e.Error()
		found = r.Redact(msg) != msg
		return !found
	})
	return found
}
