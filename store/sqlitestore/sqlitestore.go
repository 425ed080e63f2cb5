// Package sqlitestore keeps refresh tokens and pending login states in an
// SQLite database through modernc.org/sqlite (pure Go, no cgo): for an agent
// that serves many devices on one machine.
//
// The database runs in WAL mode with a 5 s busy timeout and foreign keys on;
// its schema is versioned in a schema_migrations table and migrated by
// [Open]. Writes go through one connection (SQLite has one writer at a time
// anyway, and this keeps writers in one process from sleeping in the busy
// handler); reads use a small pool of read-only connections. Several
// processes may share a database file.
//
// Durability: the default synchronous=FULL fsyncs the WAL on every commit, so
// a saved token survives a power cut. [WithSynchronousNormal] trades that for
// speed: a commit survives a crash of the process but the last few may be lost
// on a power cut or kernel crash (the database itself stays consistent).
//
// The file is created 0600 in a directory created 0700; SQLite gives the -wal
// and -shm files the same permissions, and Open makes any of the three that
// others may read 0600. Open refuses a path (or -wal, -shm file) that is a
// symbolic link, and a database that holds other applications' tables
// unless [WithOtherTables] allows them. An error about a file SQLite could not
// open or write names the file or directory and the cause.
package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/amazondrs/drs/internal/sqlitefile"
	"github.com/amazondrs/drs/store"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Store is a [store.TokenStore] and [store.StateStore] backed by an SQLite
// database. It is safe for concurrent use; call Close when done.
type Store struct {
	path   string
	writer *sql.DB // one connection
	reader *sql.DB // read-only connections
	now    func() time.Time
}

var (
	_ store.TokenStore = (*Store)(nil)
	_ store.StateStore = (*Store)(nil)
)

// Option configures [Open].
type Option func(*config)

type config struct {
	synchronous string
	readers     int
	otherTables bool
}

// WithSynchronousNormal sets PRAGMA synchronous=NORMAL instead of FULL: saves
// no longer wait for an fsync, and the last commits before a power cut or
// kernel crash may be lost (a crash of the process loses nothing).
func WithSynchronousNormal() Option { return func(c *config) { c.synchronous = "NORMAL" } }

// WithOtherTables lets [Open] use a database that also holds tables that are
// not this store's (another application's), adding its own beside them.
// Without it Open refuses such a database with an error wrapping
// [ErrOtherTables]. A table named like one of the store's but not made by it
// is refused either way.
func WithOtherTables() Option { return func(c *config) { c.otherTables = true } }

// Open opens (creating if missing) the SQLite database at path and migrates
// its schema to the latest version. A file that is not an SQLite database, or
// whose schema is newer than this program knows, is an error; a missing
// directory is created.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	cfg := config{synchronous: "FULL", readers: 4}
	for _, o := range opts {
		o(&cfg)
	}
	if path == "" || path == ":memory:" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlitestore %q: want a file path without '?' or '#'", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore %s: %w", path, err)
	}
	if err := sqlitefile.Restrict(abs); err != nil {
		return nil, fmt.Errorf("sqlitestore %s: %w", abs, err)
	}
	if err := sqlitefile.Create(abs); err != nil {
		return nil, fmt.Errorf("sqlitestore %s: %w", abs, err)
	}
	s := &Store{path: abs, now: time.Now}
	if s.writer, err = sql.Open("sqlite", dsn(abs, cfg, false)); err != nil {
		return nil, s.openErr(err)
	}
	s.writer.SetMaxOpenConns(1)
	s.writer.SetMaxIdleConns(1)
	s.writer.SetConnMaxIdleTime(0)
	if err := migrateRetryBusy(ctx, s.writer, cfg.otherTables); err != nil {
		s.writer.Close()
		return nil, s.openErr(err)
	}
	// SQLite made the -wal and -shm files just now, with the database's mode:
	// check them all the same.
	if err := sqlitefile.Restrict(abs); err != nil {
		s.writer.Close()
		return nil, fmt.Errorf("sqlitestore %s: %w", abs, err)
	}
	if s.reader, err = sql.Open("sqlite", dsn(abs, cfg, true)); err != nil {
		s.writer.Close()
		return nil, s.openErr(err)
	}
	s.reader.SetMaxOpenConns(cfg.readers)
	s.reader.SetMaxIdleConns(cfg.readers)
	return s, nil
}

// migrateRetryBusy runs migrate, trying again while SQLite answers
// SQLITE_BUSY for up to the busy timeout. Several processes opening a new
// database at once race to switch it to WAL, and SQLite reports BUSY for that
// switch without calling its busy handler, so busy_timeout alone does not
// cover it.
func migrateRetryBusy(ctx context.Context, db *sql.DB, otherTables bool) error {
	deadline := time.Now().Add(busyTimeout)
	wait := 5 * time.Millisecond
	for {
		err := migrate(ctx, db, otherTables)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

// isBusy reports whether err is SQLITE_BUSY (5) or one of its extended codes.
func isBusy(err error) bool { return sqliteCode(err) == 5 }

func (s *Store) openErr(err error) error {
	return fmt.Errorf("sqlitestore %s: open: %w", s.path, explain(s.path, err))
}

// busyTimeout is how long a connection waits for another's lock.
const busyTimeout = 5 * time.Second

func dsn(path string, cfg config, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous("+cfg.synchronous+")")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return path + "?" + q.Encode()
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// String returns "sqlitestore PATH", the name its errors start with.
func (s *Store) String() string { return "sqlitestore " + s.path }

// Close closes the database.
func (s *Store) Close() error {
	return errors.Join(s.reader.Close(), s.writer.Close())
}

func (s *Store) errorf(op string, k store.Key, err error) error {
	return fmt.Errorf("sqlitestore %s: %s key %q: %w", s.path, op, k.String(), explain(s.path, err))
}

// Load returns the refresh token saved under k, or an error wrapping
// [store.ErrNotFound].
func (s *Store) Load(ctx context.Context, k store.Key) (string, error) {
	if err := k.Validate(); err != nil {
		return "", s.errorf("load", k, err)
	}
	var rt string
	err := s.reader.QueryRowContext(ctx,
		`SELECT refresh_token FROM tokens WHERE client_id = ? AND device_model = ? AND serial = ?`,
		k.ClientID, k.DeviceModel, k.Serial).Scan(&rt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", s.errorf("load", k, store.ErrNotFound)
	case err != nil:
		return "", s.errorf("load", k, err)
	}
	return rt, nil
}

// Save stores refreshToken under k (an upsert); when it returns nil the
// commit is durable as described in the package documentation.
func (s *Store) Save(ctx context.Context, k store.Key, refreshToken string) error {
	if err := k.Validate(); err != nil {
		return s.errorf("save", k, err)
	}
	if refreshToken == "" {
		return s.errorf("save", k, errors.New("empty refresh token (use Delete)"))
	}
	_, err := s.writer.ExecContext(ctx,
		`INSERT INTO tokens (client_id, device_model, serial, refresh_token, updated_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (client_id, device_model, serial)
		DO UPDATE SET refresh_token = excluded.refresh_token, updated_at = excluded.updated_at`,
		k.ClientID, k.DeviceModel, k.Serial, refreshToken, s.now().UnixMicro())
	if err != nil {
		return s.errorf("save", k, err)
	}
	return nil
}

// Delete removes k; deleting a missing key is not an error.
func (s *Store) Delete(ctx context.Context, k store.Key) error {
	if err := k.Validate(); err != nil {
		return s.errorf("delete", k, err)
	}
	_, err := s.writer.ExecContext(ctx,
		`DELETE FROM tokens WHERE client_id = ? AND device_model = ? AND serial = ?`,
		k.ClientID, k.DeviceModel, k.Serial)
	if err != nil {
		return s.errorf("delete", k, err)
	}
	return nil
}
