package db

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/amazondrs/drs/internal/specredact"
)

// Forms lists the accepted --db forms, for help texts and errors.
const Forms = `sqlite:PATH, postgres://USER:PASSWORD@HOST:PORT/DATABASE (or postgresql://...), or empty for the default SQLite file`

// Spec is a parsed --db value.
type Spec struct {
	// Driver is "sqlite" or "postgres".
	Driver string
	// Path is the SQLite file, for Driver "sqlite".
	Path string
	// URL is the PostgreSQL connection URL, for Driver "postgres". It may
	// hold a password: print [Spec.String] instead.
	URL string
}

// String returns the spec with any password replaced by "xxxxx", fit for
// logs and errors. It redacts as the CLI does (package
// internal/specredact): user info in either URL form, password query
// parameters in any case, keyword/value passwords.
func (s Spec) String() string {
	if s.Driver == "sqlite" {
		return "sqlite:" + s.Path
	}
	return specredact.Redact(s.URL)
}

// urlScheme matches a plausible URL scheme: ParseSpec quotes an unknown
// one only if it is one and "//" follows it, never other text of a spec.
var urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]{0,19}$`)

// DefaultPath returns the default SQLite file: fleet.db under the user's
// data directory ($XDG_DATA_HOME/drs, else ~/.local/share/drs).
func DefaultPath() (string, error) {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("db: no data directory for the default database (%w); give --db sqlite:PATH", err)
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "drs", "fleet.db"), nil
}

// ParseSpec parses a --db value with the rules of --store (package
// storeopen): a PATH is relative to the working directory or absolute,
// "~/" stands for the home directory, sqlite:///ABSOLUTE/PATH is accepted
// and sqlite://HOST is refused. A keyword/value connection string
// (host=db password=...) and the opaque postgres:... form are refused.
// Errors never quote the value: it may hold a password (only an unknown
// scheme followed by "//" is quoted).
func ParseSpec(spec string) (Spec, error) {
	scheme, rest, _ := strings.Cut(spec, ":")
	switch {
	case specredact.IsKeywordDSN(spec):
		return Spec{}, errors.New("db: a keyword/value connection string (host=... password=...) is not accepted; want " + Forms + " (%-escape the password)")
	case spec == "":
		p, err := DefaultPath()
		return Spec{Driver: "sqlite", Path: p}, err
	case scheme == "sqlite":
		p, err := specPath(rest)
		return Spec{Driver: "sqlite", Path: p}, err
	case scheme == "postgres" || scheme == "postgresql":
		u, err := url.Parse(spec)
		if err != nil {
			return Spec{}, errors.New("db: the postgres URL does not parse; want " + Forms + " (%-escape the password)")
		}
		if u.Opaque != "" || !strings.HasPrefix(rest, "//") {
			return Spec{}, errors.New("db: a postgres spec must be a URL starting with " + scheme + "://; want " + Forms)
		}
		return Spec{Driver: "postgres", URL: spec}, nil
	case scheme == "file":
		return Spec{}, errors.New("db: file: holds tokens for one CLI, not a fleet; want " + Forms)
	case !strings.Contains(spec, ":"):
		return Spec{}, errors.New("db: the --db value has no scheme; want " + Forms)
	case urlScheme.MatchString(scheme) && strings.HasPrefix(rest, "//"):
		return Spec{}, fmt.Errorf("db: unknown --db scheme %q; want %s", scheme, Forms)
	default:
		return Spec{}, errors.New("db: unknown --db scheme; want " + Forms)
	}
}

func specPath(rest string) (string, error) {
	const example = "sqlite:/var/lib/drs/fleet.db"
	switch {
	case rest == "":
		return "", errors.New("db: sqlite: needs a path, as in " + example)
	case strings.HasPrefix(rest, "///"):
		return rest[2:], nil
	case strings.HasPrefix(rest, "//"):
		return "", errors.New("db: a sqlite:// spec names a host; want sqlite:PATH or sqlite:///ABSOLUTE/PATH, as in " + example)
	case strings.HasPrefix(rest, "~/"):
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("db: sqlite:~/...: %w", err)
		}
		return filepath.Join(home, rest[2:]), nil
	}
	return rest, nil
}
