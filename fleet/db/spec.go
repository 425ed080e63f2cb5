package db

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
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
// logs and errors.
func (s Spec) String() string {
	if s.Driver == "sqlite" {
		return "sqlite:" + s.Path
	}
	return Redact(s.URL)
}

// Redact returns a PostgreSQL URL with its password replaced, or a fixed
// placeholder when it does not parse (the text may hold anything).
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

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
// and sqlite://HOST is refused. Errors never quote the value: it may hold a
// password.
func ParseSpec(spec string) (Spec, error) {
	scheme, rest, _ := strings.Cut(spec, ":")
	switch {
	case spec == "":
		p, err := DefaultPath()
		return Spec{Driver: "sqlite", Path: p}, err
	case scheme == "sqlite":
		p, err := specPath(rest)
		return Spec{Driver: "sqlite", Path: p}, err
	case scheme == "postgres" || scheme == "postgresql":
		if _, err := url.Parse(spec); err != nil {
			return Spec{}, errors.New("db: the postgres URL does not parse; want " + Forms)
		}
		return Spec{Driver: "postgres", URL: spec}, nil
	case scheme == "file":
		return Spec{}, errors.New("db: file: holds tokens for one CLI, not a fleet; want " + Forms)
	case !strings.Contains(spec, ":"):
		return Spec{}, errors.New("db: the --db value has no scheme; want " + Forms)
	default:
		return Spec{}, fmt.Errorf("db: unknown --db scheme %q; want %s", scheme, Forms)
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
