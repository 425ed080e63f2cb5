package cmdutil

import (
	"cmp"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Redacted stands for a removed secret in every output.
const Redacted = "xxxxx"

// minScrubLen is the shortest secret [ScrubWriter] replaces: a shorter one
// would turn every error into noise (a one-letter password matches every
// word), and RedactSpec still removes it from the store spec itself.
const minScrubLen = 3

// keywordPassword matches a password in a keyword/value connection string
// (host=db password=secret, password='two words') or in a URL query
// (?password=secret&sslmode=...). Any key containing "password" counts
// (sslpassword too). A value runs to the next space, or in a query to the
// next "&name=", so an unescaped "#", "/" or "&" in it stays hidden.
var (
	keywordPassword = regexp.MustCompile(`(?i)((?:^|\s)\w*password\w*\s*=\s*)('(?:[^'\\]|\\.)*(?:'|$)|\S*)`)
	queryPassword   = regexp.MustCompile(`(?i)([?&]\w*password\w*=)(.*?)(&\w+=|$)`)
)

// RedactSpec returns a token store spec with every password replaced by
// xxxxx, whatever its form: a URL's user info (even with an unescaped "#",
// "?", "/", "@" or space, or a bad %-escape, which url.Parse refuses), a
// password=... query parameter, or a keyword/value DSN. It never parses the
// spec as a URL: a spec url.Parse refuses is redacted the same way. When in
// doubt it hides more (everything between "://USER:" and the last "@").
func RedactSpec(spec string) string {
	s := spec
	if i := strings.Index(s, "://"); i >= 0 {
		start := i + 3
		if at := strings.LastIndex(s[start:], "@"); at >= 0 {
			at += start
			if c := strings.Index(s[start:at], ":"); c >= 0 {
				s = s[:start+c+1] + Redacted + s[at:]
			}
		}
	}
	s = queryPassword.ReplaceAllString(s, "${1}"+Redacted+"${3}")
	if !strings.Contains(spec, "://") {
		s = keywordPassword.ReplaceAllString(s, "${1}"+Redacted)
	}
	return s
}

// SpecSecrets returns the passwords in a store spec, each as written and
// decoded (%-escapes, quotes), so that [ScrubWriter] can remove them from
// text that quotes them in any form, such as a driver's error.
func SpecSecrets(spec string) []string {
	var raw []string
	if i := strings.Index(spec, "://"); i >= 0 {
		start := i + 3
		if at := strings.LastIndex(spec[start:], "@"); at >= 0 {
			if _, pw, ok := strings.Cut(spec[start:start+at], ":"); ok {
				raw = append(raw, pw)
			}
		}
		for _, m := range queryPassword.FindAllStringSubmatch(spec, -1) {
			raw = append(raw, m[2])
		}
	} else {
		for _, m := range keywordPassword.FindAllStringSubmatch(spec, -1) {
			v := m[2]
			raw = append(raw, v)
			if strings.HasPrefix(v, "'") {
				v = strings.TrimSuffix(strings.TrimPrefix(v, "'"), "'")
				raw = append(raw, v, strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(v))
			}
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
	return out
}

// Secrets returns what must never be printed: the store spec's passwords,
// the client secret given in --client-secret or DRS_CLIENT_SECRET, and the
// store keys. (The emulator's ready-made secret is not one: drs sim prints
// it on purpose.)
func (f *Factory) Secrets() []string {
	s := SpecSecrets(f.StoreSpec())
	s = append(s, f.value("client-secret", f.Global.ClientSecret, EnvClientSecret), f.getenv(EnvStoreKey))
	s = append(s, strings.Split(f.getenv(EnvStorePreviousKeys), ",")...)
	return s
}

// ScrubWriter returns a writer that replaces every secret returns, of at
// least three characters, longest first, with xxxxx before writing to w.
// secrets is called on each Write, so it sees the flags once parsed. The
// CLI's stderr goes through it: errors, warnings and --debug logs.
func ScrubWriter(w io.Writer, secrets func() []string) io.Writer {
	return &scrubWriter{w: w, secrets: secrets}
}

type scrubWriter struct {
	w       io.Writer
	secrets func() []string
}

func (s *scrubWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(s.w, Scrub(string(p), s.secrets())); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Scrub returns text with each of secrets (of at least three characters)
// replaced by xxxxx, longest first.
func Scrub(text string, secrets []string) string {
	secrets = slices.Clone(secrets)
	slices.SortFunc(secrets, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	for _, s := range secrets {
		if len(strings.TrimSpace(s)) >= minScrubLen {
			text = strings.ReplaceAll(text, s, Redacted)
		}
	}
	return text
}
