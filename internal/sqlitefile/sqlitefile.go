// Package sqlitefile guards the files of an SQLite database in WAL mode:
// it creates the database file 0600 before SQLite would create it with the
// umask's mode, refuses symbolic links, and keeps the database, -wal and
// -shm files 0600. The token store (store/sqlitestore) and the fleet
// database (fleet/db) share it.
package sqlitefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrSymlink is wrapped by the error [Restrict] returns when the database
// path, or its -wal or -shm file, is a symbolic link.
var ErrSymlink = errors.New("is a symbolic link; refusing to follow it (give the path of the file itself)")

// Sidecars returns the database file and the files SQLite keeps beside it
// in WAL mode.
func Sidecars(path string) []string { return []string{path, path + "-wal", path + "-shm"} }

// Create makes the directory (0700) and an empty database file (0600) if
// they are missing, so SQLite never creates them with looser modes. It uses
// O_EXCL, so it never follows a symbolic link at path: call [Restrict]
// before and after to refuse one.
func Create(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// Restrict refuses a database, -wal or -shm path (and any of extra) that
// is a symbolic link ([ErrSymlink]) or not a regular file, and makes each
// that exists 0600 if others may read or write it. SQLite creates the -wal
// and -shm files with the database file's mode, but an older or foreign
// one may be looser: call Restrict again once the database is open.
func Restrict(path string, extra ...string) error {
	for _, p := range append(Sidecars(path), extra...) {
		fi, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return err
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			return fmt.Errorf("%s (to %q) %w", p, target, ErrSymlink)
		case !fi.Mode().IsRegular():
			return fmt.Errorf("%s is not a regular file (mode %s)", p, fi.Mode())
		case fi.Mode().Perm()&0o077 != 0:
			if err := os.Chmod(p, 0o600); err != nil {
				return fmt.Errorf("restrict permissions of %s to 0600: %w", p, err)
			}
		}
	}
	return nil
}
