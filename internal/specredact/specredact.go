// Package specredact hides the passwords in a database or token store spec
// (--store, --db): a URL's user info, in the hierarchical form
// (postgres://USER:PASSWORD@HOST) and the opaque one
// (postgresql:USER:PASSWORD@HOST), a password query parameter (any key
// holding "password", in any case), and a keyword/value connection string
// (host=db password=secret). The CLI and package fleet/db share it, so that
// a spec is redacted the same way wherever it is printed.
package specredact

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
)

// Redacted stands for a removed password.
const Redacted = "xxxxx"

var (
	// keywordPassword matches a password in a keyword/value connection
	// string (host=db password=secret, password='two words'), also after a
	// scheme (postgres:password=...). Any key containing "password" counts
	// (sslpassword too). A value runs to the next space.
	keywordPassword = regexp.MustCompile(`(?i)((?:^|[\s:])\w*password\w*\s*=\s*)('(?:[^'\\]|\\.)*(?:'|$)|\S*)`)
	// queryPassword matches a password in a URL query
	// (?password=secret&sslmode=...); a value runs to the next "&name=",
	// so an unescaped "#", "/" or "&" in it stays hidden.
	queryPassword = regexp.MustCompile(`(?i)([?&]\w*password\w*=)(.*?)(&\w+=|$)`)
	// scheme matches a URL scheme and its colon.
	scheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
	// keywordDSN matches the start of a keyword/value connection string.
	keywordDSN = regexp.MustCompile(`^\s*[A-Za-z_]+\s*=`)
)

// IsKeywordDSN reports whether spec starts like a keyword/value connection
// string (host=db user=drs ...), which neither --store nor --db takes.
func IsKeywordDSN(spec string) bool { return keywordDSN.MatchString(spec) }

// userPassword returns where the password of spec's user info starts and
// ends: between "://USER:" (or, in the opaque form, "SCHEME:USER:") and the
// last "@". It never parses the spec as a URL, so a password with an
// unescaped "#", "?", "/", "@" or space, or a bad %-escape, is found all
// the same. sqlite: and file: paths hold no user info.
func userPassword(spec string) (start, end int, ok bool) {
	if i := strings.Index(spec, "://"); i >= 0 {
		start = i + 3
	} else if m := scheme.FindString(spec); m != "" {
		switch strings.ToLower(m) {
		case "sqlite:", "file:":
			return 0, 0, false
		}
		start = len(m)
	} else {
		return 0, 0, false
	}
	at := strings.LastIndex(spec[start:], "@")
	if at < 0 {
		return 0, 0, false
	}
	c := strings.Index(spec[start:start+at], ":")
	if c < 0 {
		return 0, 0, false
	}
	return start + c + 1, start + at, true
}

// Redact returns spec with every password replaced by [Redacted], whatever
// its form. When in doubt it hides more.
func Redact(spec string) string {
	s := spec
	if start, end, ok := userPassword(s); ok {
		s = s[:start] + Redacted + s[end:]
	}
	s = queryPassword.ReplaceAllString(s, "${1}"+Redacted+"${3}")
	return keywordPassword.ReplaceAllString(s, "${1}"+Redacted)
}

// Secrets returns the passwords in spec, each as written, decoded
// (%-escapes, quotes) and encoded (%-escapes, JSON), so that a scrubber can
// remove them from text that quotes them in any form, such as a driver's
// error or a JSON document.
func Secrets(spec string) []string {
	var raw []string
	if start, end, ok := userPassword(spec); ok {
		raw = append(raw, spec[start:end])
	}
	for _, m := range queryPassword.FindAllStringSubmatch(spec, -1) {
		raw = append(raw, m[2])
	}
	for _, m := range keywordPassword.FindAllStringSubmatch(spec, -1) {
		v := m[2]
		raw = append(raw, v)
		if strings.HasPrefix(v, "'") {
			v = strings.TrimSuffix(strings.TrimPrefix(v, "'"), "'")
			raw = append(raw, v, strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(v))
		}
	}
	var out []string
	for _, v := range raw {
		out = append(out, v)
		if d, err := url.PathUnescape(v); err == nil {
			out = append(out, d)
		}
		if d, err := url.QueryUnescape(v); err == nil {
			out = append(out, d)
		}
		out = append(out, url.QueryEscape(v), url.PathEscape(v))
	}
	for _, v := range out[:len(out):len(out)] {
		if j, err := json.Marshal(v); err == nil && string(j) != `"`+v+`"` {
			out = append(out, string(j[1:len(j)-1]))
		}
	}
	return out
}
