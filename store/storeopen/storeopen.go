// Package storeopen opens a token store from a spec string, as the drs CLI's
// --store flag takes it:
//
//	""                               the default JSON file (filestore.DefaultPath)
//	file:PATH                        a JSON file (store/filestore)
//	sqlite:PATH                      an SQLite database (store/sqlitestore)
//	postgres://USER:PASS@HOST/DB     a PostgreSQL database (store/pgstore)
//	postgresql://...                 the same
//
// A PATH is relative to the working directory, or absolute; "~/" at its
// start stands for the home directory (shells do not expand it after
// "file:"), and the URL form file:///ABSOLUTE/PATH (three slashes) is
// accepted. A spec with two slashes and a host, such as sqlite://tokens.db,
// is refused rather than read as /tokens.db.
//
// Importing it links every driver; a program that needs only one can import
// that store's package instead.
package storeopen

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/amazondrs/drs/store"
	"github.com/amazondrs/drs/store/filestore"
	"github.com/amazondrs/drs/store/pgstore"
	"github.com/amazondrs/drs/store/sqlitestore"
)

// Forms lists the accepted spec forms, for help texts and errors.
const Forms = `file:PATH, sqlite:PATH, postgres://USER:PASSWORD@HOST:PORT/DATABASE (or postgresql://...), or empty for the default file`

// Store is what Open returns: a token store that also keeps login states
// and must be closed.
type Store interface {
	store.TokenStore
	store.StateStore
	io.Closer
}

// Option configures [Open].
type Option func(*options)

type options struct {
	encryptionKey []byte
	previousKeys  [][]byte
}

// WithEncryptionKey encrypts refresh tokens at rest with key (16, 24 or 32
// bytes; see [store.Encrypt] and [store.ParseEncryptionKey]). Tokens stored
// under any of the previous keys still load, and a Save re-encrypts them
// under key: to change keys, open with the new key and the old one as
// previous, Load and Save every device key, then drop the old key. Login
// states are not encrypted: they hold no secret.
func WithEncryptionKey(key []byte, previous ...[]byte) Option {
	return func(o *options) {
		o.encryptionKey = append([]byte(nil), key...)
		o.previousKeys = nil
		for _, p := range previous {
			o.previousKeys = append(o.previousKeys, append([]byte(nil), p...))
		}
	}
}

// Open opens the store that spec names (see the package documentation),
// creating a missing file or directory and migrating a database's schema.
// An unknown form is an error listing the accepted ones.
func Open(ctx context.Context, spec string, opts ...Option) (Store, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	s, err := open(ctx, spec)
	if err != nil {
		return nil, err
	}
	if o.encryptionKey == nil && o.previousKeys == nil {
		return s, nil
	}
	enc, err := store.Encrypt(s, o.encryptionKey, o.previousKeys...)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("storeopen: %w", err)
	}
	return encrypted{TokenStore: enc, StateStore: s, Closer: s}, nil
}

func open(ctx context.Context, spec string) (Store, error) {
	scheme, rest, _ := strings.Cut(spec, ":")
	switch {
	case spec == "":
		path, err := filestore.DefaultPath()
		if err != nil {
			return nil, err
		}
		return filestore.Open(path)
	case scheme == "file":
		path, err := specPath(scheme, rest, "/var/lib/drs/tokens.json")
		if err != nil {
			return nil, err
		}
		return filestore.Open(path)
	case scheme == "sqlite":
		path, err := specPath(scheme, rest, "/var/lib/drs/tokens.db")
		if err != nil {
			return nil, err
		}
		return sqlitestore.Open(ctx, path)
	case scheme == "postgres" || scheme == "postgresql":
		return pgstore.Open(ctx, spec)
	case !strings.Contains(spec, ":"):
		return nil, fmt.Errorf("storeopen: store spec %q has no scheme; want %s", spec, Forms)
	default:
		// Quote only the scheme: the rest may hold a password.
		return nil, fmt.Errorf("storeopen: unknown store scheme %q; want %s", scheme, Forms)
	}
}

// specPath returns the path that rest, the part of a file: or sqlite: spec
// after the colon, names (see the package documentation).
func specPath(scheme, rest, example string) (string, error) {
	switch {
	case rest == "":
		return "", fmt.Errorf("storeopen: %s: needs a path, as in %s:%s", scheme, scheme, example)
	case strings.HasPrefix(rest, "///"):
		return rest[2:], nil
	case strings.HasPrefix(rest, "//"):
		// Do not quote rest: a mistyped spec may hold anything.
		return "", fmt.Errorf("storeopen: a %s:// spec names a host; want %s:PATH or %s:///ABSOLUTE/PATH, as in %s:%s",
			scheme, scheme, scheme, scheme, example)
	case strings.HasPrefix(rest, "~/"):
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("storeopen: %s:~/...: %w", scheme, err)
		}
		return filepath.Join(home, rest[2:]), nil
	}
	return rest, nil
}

// encrypted combines an encrypting TokenStore with the inner store's
// states and Close.
type encrypted struct {
	store.TokenStore
	store.StateStore
	io.Closer
}
