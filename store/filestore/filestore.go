// Package filestore keeps refresh tokens and pending login states in one
// JSON file: the default store of the drs CLI, for one device (or a few) on
// one machine.
//
// The file (tokens.json by default, see [DefaultPath]) is created 0600 in a
// directory created 0700. Every change is a read-modify-write of the whole
// file under an exclusive lock, written to a temporary file in the same
// directory, fsynced, renamed over the old file, and the directory fsynced:
// a crash leaves the old or the new content, never a torn file, and
// concurrent writers, in one process or in several, lose nothing. Readers
// take no lock.
//
// The cross-process lock is on a sibling file (tokens.json.lock): flock(2) on
// Unix, LockFileEx on Windows (through github.com/gofrs/flock). Where the
// system has no file locks (plan9, js/wasm, wasip1) only writers within one
// process are serialised.
//
// Neither the token file nor the lock file may be a symbolic link: [Open]
// refuses one with an error wrapping [ErrSymlink], and every read and lock
// opens the file without following links, so a link planted later is refused
// too. (A save replaces the file by rename, which would replace a link rather
// than write to what it points to.) Directories on the path may be links.
//
// Loads only read the file, so they work on a read-only filesystem or in a
// directory this process cannot write; saves there fail with an error naming
// the path and the cause.
//
// A file that does not decode is never overwritten: every call fails with an
// error wrapping [ErrCorrupt] that names the file and the key, until someone
// fixes or removes the file. Likewise a single entry that cannot be read (no
// refresh token, or a device key that does not match its name): Load and
// Save of that key fail with an error wrapping [ErrCorruptEntry] (and so
// ErrCorrupt) and the entry is kept; Delete removes it, and the other keys
// work as usual.
package filestore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/amazondrs/drs/store"
)

// ErrCorrupt is wrapped by the error every call returns while the file does
// not decode or was written by a newer, unknown format version, and (through
// [ErrCorruptEntry]) by the error Load and Save of a key return while that
// key's entry cannot be read.
var ErrCorrupt = errors.New("token file is corrupt")

// ErrCorruptEntry is wrapped by the error Load and Save of a key return while
// that key's entry cannot be read (it has no refresh token, or its
// client_id, device_model and serial do not match its name): the case that
// Delete of the key fixes. It wraps [ErrCorrupt]. A whole file that does not
// decode or has a newer format version (which Delete cannot fix either) does
// not match it.
var ErrCorruptEntry error = corruptEntryError{}

type corruptEntryError struct{}

func (corruptEntryError) Error() string { return "token file entry is corrupt" }
func (corruptEntryError) Unwrap() error { return ErrCorrupt }

// Store is a [store.TokenStore] and [store.StateStore] backed by one JSON
// file. It is safe for concurrent use, and several Stores (in one process or
// several) may share a file.
type Store struct {
	path     string
	lockPath string

	mu         sync.Mutex // serialises writers within the process
	tempsSwept bool       // stale temporary files removed (guarded by mu)
	now        func() time.Time
}

var (
	_ store.TokenStore = (*Store)(nil)
	_ store.StateStore = (*Store)(nil)
)

// DefaultPath returns the CLI's default token file,
// os.UserConfigDir()/amazondrs/tokens.json (for example
// ~/.config/amazondrs/tokens.json on Linux).
func DefaultPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("filestore: default path: %w", err)
	}
	return filepath.Join(dir, "amazondrs", "tokens.json"), nil
}

// ErrSymlink is wrapped by the error [Open], and every later call, return
// when the token file or its lock file is a symbolic link.
var ErrSymlink = errors.New("is a symbolic link; the token store refuses to follow it (give the path of the file itself)")

// Open returns a Store for the file at path, creating its directory (0700)
// if missing. The file and its lock file are created on the first Save; an
// existing file readable by others is made 0600 (unless the filesystem is
// read-only or the file belongs to another user: then it is left as it is).
// Open does not read the file, so a corrupt file surfaces at the first call,
// naming the key.
func Open(path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("filestore: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("filestore %s: %w", path, err)
	}
	if err := checkTokenFile(abs); err != nil {
		return nil, fmt.Errorf("filestore %s: %w", abs, err)
	}
	if err := linkError(abs + ".lock"); err != nil {
		return nil, fmt.Errorf("filestore %s: lock file: %w", abs, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("filestore %s: create directory: %w", abs, err)
	}
	return &Store{path: abs, lockPath: abs + ".lock", now: time.Now}, nil
}

// checkTokenFile refuses an existing path that is not a regular file and
// makes one readable by others 0600, through a descriptor opened without
// following links.
func checkTokenFile(path string) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.Mode()&fs.ModeSymlink != 0:
		return linkError(path)
	case fi.IsDir():
		return errors.New("is a directory, want a file path")
	case !fi.Mode().IsRegular():
		return fmt.Errorf("is not a regular file (mode %s)", fi.Mode())
	case fi.Mode().Perm()&0o077 == 0:
		return nil
	}
	f, err := openNoFollow(path, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	err = f.Chmod(0o600)
	if readOnlyFS(err) || errors.Is(err, fs.ErrPermission) {
		return nil // not ours to change; loads still work
	}
	if err != nil {
		return fmt.Errorf("restrict permissions: %w", err)
	}
	return nil
}

// Path returns the absolute path of the token file.
func (s *Store) Path() string { return s.path }

// String returns "filestore PATH", the name its errors start with.
func (s *Store) String() string { return "filestore " + s.path }

// Close releases nothing (no file stays open between calls) and returns nil;
// it makes Store an io.Closer like the other stores.
func (s *Store) Close() error { return nil }

func (s *Store) errorf(op string, k store.Key, err error) error {
	return fmt.Errorf("filestore %s: %s key %q: %w", s.path, op, k.String(), err)
}

// Load returns the refresh token saved under k, or an error wrapping
// [store.ErrNotFound].
func (s *Store) Load(ctx context.Context, k store.Key) (string, error) {
	if err := k.Validate(); err != nil {
		return "", s.errorf("load", k, err)
	}
	if err := ctx.Err(); err != nil {
		return "", s.errorf("load", k, err)
	}
	d, err := readFile(s.path)
	if err != nil {
		return "", s.errorf("load", k, err)
	}
	e, ok := d.Tokens[mapKey(k)]
	if !ok {
		return "", s.errorf("load", k, store.ErrNotFound)
	}
	if err := e.check(k); err != nil {
		return "", s.errorf("load", k, err)
	}
	return e.RefreshToken, nil
}

// Save stores refreshToken under k; when it returns nil the file on disk
// holds it (fsynced). It refuses to replace an entry for k that cannot be
// read (see the package documentation); Delete k first to replace it.
func (s *Store) Save(ctx context.Context, k store.Key, refreshToken string) error {
	if err := k.Validate(); err != nil {
		return s.errorf("save", k, err)
	}
	if refreshToken == "" {
		return s.errorf("save", k, errors.New("empty refresh token (use Delete)"))
	}
	if !utf8.ValidString(refreshToken) {
		// JSON would replace the invalid bytes: refuse rather than change it.
		return s.errorf("save", k, errors.New("the refresh token is not valid UTF-8; a JSON file cannot keep it exactly"))
	}
	err := s.update(ctx, func(d *fileData) (bool, error) {
		if e, ok := d.Tokens[mapKey(k)]; ok {
			if err := e.check(k); err != nil {
				return false, err
			}
		}
		d.Tokens[mapKey(k)] = newTokenEntry(k, refreshToken, s.now())
		return true, nil
	})
	if err != nil {
		return s.errorf("save", k, err)
	}
	return nil
}

// Delete removes k, even an entry that cannot be read; deleting a missing key
// is not an error (and does not rewrite the file).
func (s *Store) Delete(ctx context.Context, k store.Key) error {
	if err := k.Validate(); err != nil {
		return s.errorf("delete", k, err)
	}
	err := s.update(ctx, func(d *fileData) (bool, error) {
		if _, ok := d.Tokens[mapKey(k)]; !ok {
			return false, nil
		}
		delete(d.Tokens, mapKey(k))
		return true, nil
	})
	if err != nil {
		return s.errorf("delete", k, err)
	}
	return nil
}

// update runs fn on the file's content under both locks and, if fn reports a
// change and no error, writes the result atomically. A file that does not
// decode is never written.
func (s *Store) update(ctx context.Context, fn func(*fileData) (changed bool, err error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	unlock, err := lockFile(ctx, s.lockPath)
	if err != nil {
		return fmt.Errorf("lock %s: %w", s.lockPath, err)
	}
	defer unlock()
	if !s.tempsSwept {
		sweepTemps(s.path)
		s.tempsSwept = true
	}
	d, err := readFile(s.path)
	if err != nil {
		return err
	}
	if changed, err := fn(&d); err != nil || !changed {
		return err
	}
	if err := writeFile(s.path, d); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}
