package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/amazondrs/drs/internal/sqlitefile"
)

// migrations are the schema versions, in order: migrations[i] takes the
// schema from version i to i+1. Never edit one that has shipped; append.
// Times are Unix microseconds (UTC).
var migrations = []string{
	// 1: tokens and login states.
	`CREATE TABLE tokens (
		client_id     TEXT    NOT NULL,
		device_model  TEXT    NOT NULL,
		serial        TEXT    NOT NULL,
		refresh_token TEXT    NOT NULL CHECK (refresh_token <> ''),
		updated_at    INTEGER NOT NULL,
		PRIMARY KEY (client_id, device_model, serial)
	) STRICT;
	CREATE TABLE login_states (
		state        TEXT    NOT NULL PRIMARY KEY,
		client_id    TEXT    NOT NULL,
		device_model TEXT    NOT NULL,
		serial       TEXT    NOT NULL,
		test_device  INTEGER NOT NULL,
		non_live     INTEGER NOT NULL,
		redirect_url TEXT    NOT NULL,
		expires      INTEGER NOT NULL
	) STRICT;
	CREATE INDEX login_states_expires ON login_states (expires);`,
	// 2: a login state keeps its PKCE verifier and the link it came from.
	`ALTER TABLE login_states ADD COLUMN verifier TEXT NOT NULL DEFAULT '';
	ALTER TABLE login_states ADD COLUMN link TEXT NOT NULL DEFAULT '';`,
}

// ErrOtherTables is wrapped by the error [Open] returns for a database that
// holds tables that are not this store's, unless [WithOtherTables] allows
// them: Open never adds its tables to another application's database by
// mistake.
var ErrOtherTables = errors.New("the database holds tables that are not this token store's")

// owner says which tables are the store's: the ones the migrations create.
var owner = sqlitefile.Owner{
	Tables:  map[string]bool{"schema_migrations": true, "tokens": true, "login_states": true},
	Marker:  "schema_migrations",
	Columns: []string{"version", "applied_at"},
	Advice:  "use a database file of its own",
	Allow:   "or WithOtherTables to share this one",
}

// migrate brings the schema up to the latest version in one IMMEDIATE
// transaction (the writer's DSN sets _txlock=immediate), so concurrent
// migrators in several processes wait for each other. It first checks that
// the database is this store's (see owner).
func migrate(ctx context.Context, db *sql.DB, otherTables bool) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := owner.Check(ctx, tx, otherTables, ErrOtherTables); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if have > len(migrations) {
		return fmt.Errorf("migrate: database schema version %d is newer than this program's (%d); upgrade it", have, len(migrations))
	}
	for v := have + 1; v <= len(migrations); v++ {
		if _, err := tx.ExecContext(ctx, migrations[v-1]); err != nil {
			return fmt.Errorf("migrate to version %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			v, time.Now().UnixMicro()); err != nil {
			return fmt.Errorf("migrate to version %d: %w", v, err)
		}
	}
	return tx.Commit()
}
