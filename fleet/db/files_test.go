package db

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestFileModes opens a new database under umask 022, where SQLite alone
// would make the database, -wal and -shm files 0644, and checks all three
// are 0600 while the server holds them open, and again after a reopen of
// files another process left 0644.
func TestFileModes(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "sub", "fleet.db")
	check := func(when string) {
		t.Helper()
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			if got := fi.Mode().Perm(); got != 0o600 {
				t.Errorf("%s: mode of %s = %o, want 600", when, filepath.Base(p), got)
			}
		}
		if fi, err := os.Stat(filepath.Dir(path)); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: directory mode = %v (%v), want 700", when, fi.Mode().Perm(), err)
		}
	}
	d := open(t, path)
	check("new database")
	d.Close()

	// Another process holds the files open with looser modes.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	if _, err := raw.Exec(`PRAGMA journal_mode=WAL; SELECT count(*) FROM devices`); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d = open(t, path)
	defer d.Close()
	check("reopened 0644 files")
}

// TestRefusesSymlinks: a symbolic link at the database, -wal, -shm or
// -lock path is refused, and its target is neither created nor touched.
func TestRefusesSymlinks(t *testing.T) {
	t.Parallel()
	for _, suffix := range []string{"", "-wal", "-shm", "-lock"} {
		t.Run("link"+suffix, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "fleet.db")
			if suffix != "" {
				open(t, path).Close()
				os.Remove(path + suffix)
			}
			target := filepath.Join(t.TempDir(), "elsewhere")
			if err := os.Symlink(target, path+suffix); err != nil {
				t.Fatal(err)
			}
			_, err := Open(t.Context(), Spec{Driver: "sqlite", Path: path})
			if !errors.Is(err, ErrSymlink) || !strings.Contains(err.Error(), path+suffix) {
				t.Fatalf("Open error = %v, want ErrSymlink naming %s", err, path+suffix)
			}
			if _, err := os.Lstat(target); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("Open created the link's target (%v)", err)
			}
		})
	}
}

// TestSymlinkCannotShareTheLock: a server on the file and a second one
// through a symbolic link to it (which would take another lock file) must
// not both run.
func TestSymlinkCannotShareTheLock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	real, link := filepath.Join(dir, "real.db"), filepath.Join(dir, "link.db")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	d := open(t, real)
	defer d.Close()
	if d2, err := Open(t.Context(), Spec{Driver: "sqlite", Path: link}); err == nil {
		d2.Close()
		t.Fatal("a second Open through a symbolic link succeeded while the first holds the file")
	} else if !errors.Is(err, ErrSymlink) {
		t.Fatalf("second Open through a link = %v, want ErrSymlink", err)
	}
}

// TestOtherApplicationsDatabase: Open refuses to add its tables to a
// database holding other tables unless WithOtherTables allows it, and
// always refuses a fleet table name another application made.
func TestOtherApplicationsDatabase(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		schema  string
		allowed bool // opens WithOtherTables
	}{
		{"customers", `CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT)`, true},
		{"a view", `CREATE VIEW v AS SELECT 1`, true},
		{"devices of another app", `CREATE TABLE devices (id INTEGER)`, false},
		{"fleet_schema of another app", `CREATE TABLE fleet_schema (version INTEGER, note TEXT)`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "app.db")
			raw, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := raw.Exec(tt.schema); err != nil {
				t.Fatal(err)
			}
			raw.Close()
			_, err = Open(t.Context(), Spec{Driver: "sqlite", Path: path})
			if !errors.Is(err, ErrOtherTables) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Open = %v, want ErrOtherTables naming the file", err)
			}
			d, err := Open(t.Context(), Spec{Driver: "sqlite", Path: path}, WithOtherTables())
			if tt.allowed != (err == nil) {
				t.Fatalf("Open WithOtherTables = %v, want success %v", err, tt.allowed)
			}
			if err == nil {
				if err := d.Ready(t.Context()); err != nil {
					t.Errorf("Ready: %v", err)
				}
				d.Close()
			}
		})
	}
}
