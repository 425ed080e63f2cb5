package sqlitestore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/amazondrs/drs/internal/sqlitefile"
)

// ErrSymlink is wrapped by the error [Open] returns when the database path,
// or its -wal or -shm file, is a symbolic link.
var ErrSymlink = sqlitefile.ErrSymlink

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
	for _, p := range sqlitefile.Sidecars(path) {
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
