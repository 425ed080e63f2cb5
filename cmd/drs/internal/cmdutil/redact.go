package cmdutil

import (
	"cmp"
	"io"
	"slices"
	"strings"

	"github.com/amazondrs/drs/internal/specredact"
)

// Redacted stands for a removed secret in every output.
const Redacted = specredact.Redacted

// minScrubLen is the shortest secret [ScrubWriter] replaces: a shorter one
// would turn every error into noise (a one-letter password matches every
// word), and RedactSpec still removes it from the store spec itself.
const minScrubLen = 3

// RedactSpec returns a token store or database spec with every password
// replaced by xxxxx, whatever its form (see package internal/specredact,
// which fleet/db shares).
func RedactSpec(spec string) string { return specredact.Redact(spec) }

// SpecSecrets returns the passwords in a store or database spec, each as
// written, decoded and encoded, so that [ScrubWriter] can remove them from
// text that quotes them in any form, such as a driver's error.
func SpecSecrets(spec string) []string { return specredact.Secrets(spec) }

// Secrets returns what must never be printed: the passwords of the store
// spec and of the fleet database spec (DRS_DB, and --db through
// [Factory.AddSecrets]), the client secret given in --client-secret or
// DRS_CLIENT_SECRET, the store keys and DRS_ADMIN_TOKEN. (The emulator's
// ready-made secret is not one: drs sim prints it on purpose.)
func (f *Factory) Secrets() []string {
	s := SpecSecrets(f.StoreSpec())
	s = append(s, SpecSecrets(strings.TrimSpace(f.getenv(EnvDB)))...)
	s = append(s, f.value("client-secret", f.Global.ClientSecret, EnvClientSecret), f.getenv(EnvStoreKey),
		strings.TrimSpace(f.getenv(EnvAdminToken)))
	s = append(s, strings.Split(f.getenv(EnvStorePreviousKeys), ",")...)
	for _, more := range f.moreSecrets {
		s = append(s, more()...)
	}
	return s
}

// AddSecrets adds secrets, called on each [Factory.Secrets], to what must
// never be printed: a command adds those of its own flags (drs serve its
// --db spec's passwords). Call it while building the command, before any
// output.
func (f *Factory) AddSecrets(secrets func() []string) {
	f.moreSecrets = append(f.moreSecrets, secrets)
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
