package sqlitestore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrSymlink is wrapped by the error [Open] returns when the database path,
// or its -wal or -shm file, is a symbolic link.
var ErrSymlink = errors.New("is a symbolic link; the token store refuses to follow it (give the path of the file itself)")

// sidecars returns the database file and the files SQLite keeps beside it in
// WAL mode.
func sidecars(path string) []string { return []string{path, path + "-wal", path + "-shm"} }

// createFile makes the directory (0700) and an empty database file (0600)
// if they are missing, so SQLite never creates them with looser modes.
func createFile(path string) error {
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

// restrictFiles refuses a database, -wal or -shm path that is a symbolic
// link or not a regular file, and makes each that exists 0600 if others may
// read or write it.
func restrictFiles(path string) error {
	for _, p := range sidecars(path) {
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
				return fmt.Errorf("restrict permissions to 0600: %w", err)
			}
		}
	}
	return nil
}

// sqliteCode returns the primary SQLite result code of err, or 0.
func sqliteCode(err error) int {
	var coder interface{ Code() int }
	if errors.As(err, &coder) {
		return coder.Code() & 0xff
	}
	return 0
}

// SQLite result codes that say a file could not be opened or written, with
// no word of which file or why.
const (
	codeReadOnly = 8
	codeIOErr    = 10
	codeCantOpen = 14
)

// explain adds the cause to an SQLite error that says only that a file could
// not be opened or written ("unable to open database file (14)", "attempt to
// write a readonly database (8)"): it tries the database, -wal and -shm
// files and the directory itself, and names the first that this process
// cannot write and why. Other errors are returned as they are.
func explain(path string, err error) error {
	switch sqliteCode(err) {
	case codeReadOnly, codeIOErr, codeCantOpen:
	default:
		return err
	}
	if cause := writable(path); cause != nil {
		return fmt.Errorf("%w: %w", err, cause)
	}
	return err
}

// writable reports why this process cannot write the database at path, or
// nil if it seems it can.
func writable(path string) error {
	for _, p := range sidecars(path) {
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("cannot write %s: %w", p, unwrapPath(err))
		}
		f.Close()
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".drs-write-probe-*")
	if err != nil {
		return fmt.Errorf("cannot create files in %s, where SQLite keeps the database's -wal and -shm files: %w", dir, unwrapPath(err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// unwrapPath returns the cause inside a *fs.PathError (whose path the caller
// already names).
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
