package drs

import (
	"cmp"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf16"
	"unicode/utf8"
)

// redacted replaces a secret in every error field and log line.
const redacted = "[redacted]"

// minSecretLen is the shortest value treated as a secret when scrubbing
// errors. LWA's client secrets and tokens are far longer; replacing every
// occurrence of a one- or two-letter test secret would only garble the text.
const minSecretLen = 8

// secrets returns the values no error or log line may hold: the client
// secret, the Client's current tokens and extra (the access token a request
// carried, the refresh token or authorization code a token request sent).
func (c *Client) secrets(extra ...string) []string {
	c.mu.Lock()
	tok := c.tok
	c.mu.Unlock()
	out := make([]string, 0, 3+len(extra))
	for _, s := range append([]string{c.oauth.ClientSecret, tok.AccessToken, tok.RefreshToken}, extra...) {
		if len(s) >= minSecretLen {
			out = append(out, s)
		}
	}
	return out
}

// scrub removes the Client's secrets (and extra) from every field of e that
// came from the network or from a callee, so that neither e.Error() nor a
// log line built from e can reveal them, even when a server echoes what it
// was sent, percent-encoded or JSON-escaped. It returns e.
func (c *Client) scrub(e *Error, extra ...string) *Error {
	if e == nil {
		return nil
	}
	r := newRedactor(c.secrets(extra...))
	if r == nil {
		return e
	}
	for _, f := range []*string{&e.Message, &e.ErrorType, &e.RequestID, &e.OAuthError, &e.OAuthErrorDescription, &e.Location} {
		*f = r.redact(*f)
	}
	if body := r.redact(string(e.Body)); body != string(e.Body) {
		e.Body = []byte(body)
	}
	if e.Err != nil && r.holdsSecret(e.Err) {
		e.Err = newScrubbedError(e.Err, r.redact(e.Err.Error()))
	}
	return e
}

// holdsSecret reports whether the text of err, or of any error in its
// chain, holds a secret.
func (r *redactor) holdsSecret(err error) bool {
	found := false
	walkChain(err, func(e error) bool {
		msg := e.Error()
		found = r.redact(msg) != msg
		return !found
	})
	return found
}

// walkChain calls fn on err and every error it wraps (Unwrap() error and
// Unwrap() []error), depth first, until fn returns false.
func walkChain(err error, fn func(error) bool) bool {
	if err == nil {
		return true
	}
	if !fn(err) {
		return false
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return walkChain(u.Unwrap(), fn)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if !walkChain(e, fn) {
				return false
			}
		}
	}
	return true
}

// redactor finds secrets in text, both as they are and as a server may echo
// them: percent-encoded (the url.QueryEscape and url.PathEscape forms, hex
// digits in either case, '+' for a space) or escaped as in a JSON string
// (\uXXXX for any character, \/ and the other two-character escapes), in any
// mix.
type redactor struct {
	secrets []string  // longest first
	starts  [256]bool // the bytes an occurrence of a secret can start with
}

// newRedactor returns a redactor for secrets, or nil if there are none.
// Longer secrets are matched first, so that a secret that is part of a
// longer one does not leave the rest of the longer one behind.
func newRedactor(secrets []string) *redactor {
	if len(secrets) == 0 {
		return nil
	}
	r := &redactor{secrets: slices.Clone(secrets)}
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
func (r *redactor) replace(s string) string {
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
					b.WriteString(redacted)
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

// redact returns s with every secret replaced by "[redacted]". If s is JSON
// whose decoded strings still hold a secret (say, one escaped twice, in a
// JSON document quoted inside s), the scrubbed decoded value is encoded
// again instead, with object keys sorted and insignificant space dropped
// (a duplicate key keeps its last value, as encoding/json decodes it); if
// that fails, all of s is replaced.
func (r *redactor) redact(s string) string {
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
		return redacted
	}
	return strings.TrimSuffix(out.String(), "\n")
}

// redactValue returns v, a value decoded from JSON, with the secrets in its
// strings and object keys replaced, and whether anything was replaced.
func (r *redactor) redactValue(v any) (any, bool) {
	changed := false
	switch v := v.(type) {
	case string:
		s := r.redact(v)
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
			rk := r.redact(k)
			rx, c := r.redactValue(x)
			out[rk] = rx
			changed = changed || c || rk != k
		}
		return out, changed
	}
	return v, false
}

// scrubbedError stands for a cause whose text held a secret. It prints the
// scrubbed text and does not unwrap to the original, whose chain still
// holds the secret; instead it unwraps to the markers found in that chain
// that carry no text from the network (context.Canceled,
// context.DeadlineExceeded, io.EOF, io.ErrUnexpectedEOF, the body-size
// error, syscall errors), so errors.Is keeps working, and it answers
// Timeout like the net.Error it replaces. The Client classifies a failure
// (its code, whether it may be retried) before it scrubs it.
type scrubbedError struct {
	msg     string
	marks   []error
	timeout bool
	badCert bool // a failed certificate check (see badCertificate)
}

func newScrubbedError(err error, msg string) *scrubbedError {
	s := &scrubbedError{msg: msg, badCert: badCertificate(err)}
	var ne net.Error
	s.timeout = errors.As(err, &ne) && ne.Timeout()
	walkChain(err, func(e error) bool {
		var errno syscall.Errno
		switch {
		case e == context.Canceled, e == context.DeadlineExceeded, e == io.EOF, e == io.ErrUnexpectedEOF, e == errBodyTooLarge:
			s.marks = append(s.marks, e)
		case errors.As(e, &errno) && e == error(errno):
			s.marks = append(s.marks, errno)
		}
		return true
	})
	return s
}

func (s *scrubbedError) Error() string   { return s.msg }
func (s *scrubbedError) Unwrap() []error { return s.marks }

// Timeout reports whether the original cause was a timeout.
func (s *scrubbedError) Timeout() bool { return s.timeout }

// Temporary reports the same as Timeout, as net.Error's deprecated method.
func (s *scrubbedError) Temporary() bool { return s.timeout }
