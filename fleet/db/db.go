// Package db is the fleet server's database: opening it, the schema and its
// migrations, and the queries. This step supports SQLite (modernc.org/sqlite,
// no cgo); PostgreSQL follows in a later step.
//
// SQLite runs with one open connection (River's riversqlite driver asks for
// it), WAL and synchronous=FULL, so that a transaction the server
// acknowledged survives kill -9 and a power cut. With one connection, code
// must never hold a transaction across a network call, nor make a second
// call on the pool while it holds one in the same goroutine: that call
// would wait for the connection forever.
//
// A file lock (PATH + "-lock", github.com/gofrs/flock) keeps a second
// server off the same file: SQLite on one machine is one instance. The lock
// is per name, so Open refuses a database, -wal, -shm or -lock path that is
// a symbolic link ([ErrSymlink]): a second name for the file would take a
// second lock. (A symbolic link to the directory is harmless: both names
// reach the same lock file.) The files are created 0600 and kept so
// (package internal/sqlitefile, shared with the token store).
//
// Open refuses a database holding tables that are neither fleet's nor
// River's ([ErrOtherTables]) unless [WithOtherTables] allows it, so that a
// mistyped --db never adds the fleet's tables to another application's
// database.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/amazondrs/drs/internal/sqlitefile"
	"github.com/gofrs/flock"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// ErrSchemaTooNew reports a database migrated by a newer drs serve.
var ErrSchemaTooNew = errors.New("db: the database schema is newer than this drs serve knows; run the newer version or restore a backup")

// ErrLocked reports a database file another drs serve holds.
var ErrLocked = errors.New("db: another drs serve is using this SQLite file")

// ErrSymlink is wrapped by the error [Open] returns for a database, -wal,
// -shm or -lock path that is a symbolic link.
var ErrSymlink = sqlitefile.ErrSymlink

// busyTimeout is how long a statement waits for SQLite's own file lock
// (another process such as the sqlite3 shell) before failing.
const busyTimeout = 5 * time.Second

// DB is an open fleet database.
type DB struct {
	// SQL is the pool; for SQLite it has one connection.
	SQL  *sql.DB
	Spec Spec
	lock *flock.Flock
}

// Option configures [Open].
type Option func(*options)

type options struct{ otherTables bool }

// WithOtherTables lets [Open] use a database that also holds tables that
// are neither fleet's nor River's.
func WithOtherTables() Option { return func(o *options) { o.otherTables = true } }

// Open opens the database spec names, takes the file lock, creates a
// missing file (0600) and its directory (0700), and migrates the schema.
// It refuses a schema newer than it knows ([ErrSchemaTooNew]), a file
// another server holds ([ErrLocked]), a symbolic link ([ErrSymlink]) and
// another application's database ([ErrOtherTables]).
func Open(ctx context.Context, spec Spec, opts ...Option) (*DB, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if spec.Driver != "sqlite" {
		return nil, fmt.Errorf("db: %s: PostgreSQL is not supported yet; use %s", spec, "sqlite:PATH")
	}
	abs, err := filepath.Abs(spec.Path)
	if err != nil {
		return nil, fmt.Errorf("db: %s: %w", spec, err)
	}
	spec.Path = abs
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	if err := sqlitefile.Restrict(abs, abs+"-lock"); err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	lk := flock.New(abs + "-lock")
	ok, err := lk.TryLock()
	if err != nil {
		return nil, fmt.Errorf("db: locking %s: %w", lk.Path(), err)
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s (lock file %s is held; stop the other server, or give each server its own --db)", ErrLocked, abs, lk.Path())
	}
	// Again under the lock (a link may have appeared since), then create
	// the file 0600 before SQLite creates it with the umask's mode.
	if err := errors.Join(sqlitefile.Restrict(abs, abs+"-lock"), sqlitefile.Create(abs)); err != nil {
		lk.Unlock()
		return nil, fmt.Errorf("db: %w", err)
	}
	pool, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		lk.Unlock()
		return nil, fmt.Errorf("db: %s: %w", spec, err)
	}
	pool.SetMaxOpenConns(1)
	pool.SetMaxIdleConns(1)
	pool.SetConnMaxLifetime(0)
	d := &DB{SQL: pool, Spec: spec, lock: lk}
	if err := d.migrate(ctx, o.otherTables); err != nil {
		d.Close()
		return nil, err
	}
	// The connection made the -wal and -shm files: check all three.
	if err := sqlitefile.Restrict(abs); err != nil {
		d.Close()
		return nil, fmt.Errorf("db: %w", err)
	}
	return d, nil
}

func dsn(path string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Close closes the pool and releases the file lock.
func (d *DB) Close() error {
	err := d.SQL.Close()
	if uerr := d.lock.Unlock(); err == nil {
		err = uerr
	}
	return err
}

// Ready reports whether the database answers and its schema is the one
// this server knows, for /readyz.
func (d *DB) Ready(ctx context.Context) error {
	var v int
	if err := d.SQL.QueryRowContext(ctx, `SELECT version FROM fleet_schema`).Scan(&v); err != nil {
		return fmt.Errorf("db: reading the schema version: %w", err)
	}
	if v != SchemaVersion() {
		return fmt.Errorf("db: schema version %d, want %d", v, SchemaVersion())
	}
	return nil
}
