package sqlitestore_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amazondrs/drs/store"
	"github.com/amazondrs/drs/store/sqlitestore"
	"github.com/amazondrs/drs/store/storetest"
	"github.com/google/go-cmp/cmp"
)

var (
	seedKey   = store.Key{ClientID: "amzn1.application-oa2-client.seed", DeviceModel: "model", Serial: "seed"}
	seedToken = storetest.TestToken("seeded")
)

// rawDB opens path with no store in between; it is closed when t ends.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestOpenTightensModes leaves a database and its -wal and -shm files 0644
// (a connection holds them open, as another process would) and checks that
// Open makes all three 0600.
func TestOpenTightensModes(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	open(t, path).Close()
	db := rawDB(t, path)
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`PRAGMA journal_mode=WAL; INSERT INTO tokens VALUES ('c', 'm', 's', 'x', 0)`); err != nil {
		t.Fatal(err)
	}
	files := []string{path, path + "-wal", path + "-shm"}
	for _, p := range files {
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	open(t, path)
	for _, p := range files {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("mode of %s after Open = %o, want 600", p, got)
		}
	}
}

func TestOpenRefusesSymlinks(t *testing.T) {
	t.Parallel()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		t.Run("link"+suffix, func(t *testing.T) {
			t.Parallel()
			path := tempPath(t)
			target := filepath.Join(t.TempDir(), "elsewhere")
			if suffix != "" {
				open(t, path).Close()
			}
			if err := os.Symlink(target, path+suffix); err != nil {
				t.Fatal(err)
			}
			_, err := sqlitestore.Open(t.Context(), path)
			if !errors.Is(err, sqlitestore.ErrSymlink) || !strings.Contains(err.Error(), path+suffix) {
				t.Fatalf("Open error = %v, want one wrapping ErrSymlink naming %s", err, path+suffix)
			}
			if _, err := os.Lstat(target); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("Open created the link's target (%v)", err)
			}
		})
	}
}

// schemaNames lists the tables, indexes and views in the database at path.
func schemaNames(t *testing.T, path string) []string {
	t.Helper()
	rows, err := rawDB(t, path).Query(`SELECT type || ' ' || name FROM sqlite_schema ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	return names
}

// TestOtherApplicationsDatabase opens databases made by other applications:
// Open refuses each unless WithOtherTables allows the other tables, and a
// refused database is left exactly as it was.
func TestOtherApplicationsDatabase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, schema string
		allowed      bool // opens with WithOtherTables
	}{
		{"otherTable", `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)`, true},
		{"otherView", `CREATE VIEW v AS SELECT 1`, true},
		{"tokensTableOfItsOwn", `CREATE TABLE tokens (id INTEGER PRIMARY KEY, secret TEXT)`, false},
		{"otherMigrationsTable", `CREATE TABLE schema_migrations (version INTEGER, dirty INTEGER)`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := tempPath(t)
			if _, err := rawDB(t, path).Exec(tc.schema); err != nil {
				t.Fatal(err)
			}
			before := schemaNames(t, path)
			_, err := sqlitestore.Open(t.Context(), path)
			if !errors.Is(err, sqlitestore.ErrOtherTables) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Open error = %v, want one wrapping ErrOtherTables naming %s", err, path)
			}
			t.Log(err)
			if diff := cmp.Diff(before, schemaNames(t, path)); diff != "" {
				t.Fatalf("a refused Open changed the schema (-before +after):\n%s", diff)
			}
			s, err := sqlitestore.Open(t.Context(), path, sqlitestore.WithOtherTables())
			if !tc.allowed {
				if !errors.Is(err, sqlitestore.ErrOtherTables) {
					t.Fatalf("Open WithOtherTables error = %v, want ErrOtherTables: the store's table names are taken", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open WithOtherTables: %v", err)
			}
			defer s.Close()
			storetest.RunStates(t, func(t *testing.T) store.StateStore { return s })
			k := storetest.TestKey(t, 1)
			if err := s.Save(t.Context(), k, storetest.TestToken("x")); err != nil {
				t.Fatal(err)
			}
			if got := schemaNames(t, path); !strings.Contains(strings.Join(got, ","), before[0]) {
				t.Errorf("the other application's %s is gone: %v", before[0], got)
			}
		})
	}
}

// TestUnwritableDirectory makes a database, then, in a child process that
// cannot write its directory (user nobody when run as root), checks that
// Open fails naming the directory and the cause, not only "unable to open
// database file (14)".
func TestUnwritableDirectory(t *testing.T) {
	t.Parallel()
	dir := storetest.SharedDir(t)
	s := open(t, filepath.Join(dir, "tokens.db"))
	if err := s.Save(t.Context(), seedKey, seedToken); err != nil {
		t.Fatal(err)
	}
	s.Close() // the last close removes the -wal and -shm files
	storetest.RunUnwritableChild(t, dir, "TestUnwritableDirectoryChild")
}

// TestUnwritableDirectoryChild is the body of TestUnwritableDirectory's
// child process; elsewhere it does nothing.
func TestUnwritableDirectoryChild(t *testing.T) {
	dir := storetest.UnwritableChildDir(t)
	if dir == "" {
		return
	}
	u := unwritable(filepath.Join(dir, "tokens.db"), "permission denied")
	u.Where = "cannot create files in " + dir
	storetest.RunUnwritable(t, u)
}

func unwritable(path, cause string) storetest.Unwritable {
	return storetest.Unwritable{
		Open: func(t *testing.T) (store.TokenStore, error) {
			s, err := sqlitestore.Open(context.Background(), path)
			if err != nil {
				return nil, err
			}
			return s, nil
		},
		Key: seedKey, Token: seedToken, Where: path, Cause: cause,
		OpenFails: true, // WAL mode: even a reader writes the -shm file
	}
}

// TestReadOnlyMount opens a database on a read-only tmpfs (where mounting
// is allowed): Open fails naming the file and the cause.
func TestReadOnlyMount(t *testing.T) {
	t.Parallel()
	dir, readOnly := storetest.ReadOnlyMount(t)
	path := filepath.Join(dir, "tokens.db")
	s := open(t, path)
	if err := s.Save(t.Context(), seedKey, seedToken); err != nil {
		t.Fatal(err)
	}
	s.Close()
	readOnly()
	u := unwritable(path, "read-only file system")
	u.Where = "cannot write " + path
	storetest.RunUnwritable(t, u)
}
