package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
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

// ownTables are the tables the migrations create.
var ownTables = map[string]bool{"schema_migrations": true, "tokens": true, "login_states": true}

// migrate brings the schema up to the latest version in one IMMEDIATE
// transaction (the writer's DSN sets _txlock=immediate), so concurrent
// migrators in several processes wait for each other. It first checks that
// the database is this store's (see checkTables).
func migrate(ctx context.Context, db *sql.DB, otherTables bool) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := checkTables(ctx, tx, otherTables); err != nil {
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

// checkTables refuses a database with tables (or views) other than the
// store's, unless otherTables, and one where a table has the store's name
// but was not made by it: a schema_migrations table with other columns, or
// tokens or login_states without schema_migrations.
func checkTables(ctx context.Context, tx *sql.Tx, otherTables bool) error {
	rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_schema
		WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return fmt.Errorf("read the schema: %w", err)
	}
	var own, other []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("read the schema: %w", err)
		}
		if ownTables[name] {
			own = append(own, name)
		} else {
			other = append(other, name)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("read the schema: %w", err)
	}
	if len(other) > 0 && !otherTables {
		return fmt.Errorf("%w (%s); use a database file of its own, or WithOtherTables to share this one", ErrOtherTables, listNames(other))
	}
	if len(own) == 0 {
		return nil
	}
	if !slices.Contains(own, "schema_migrations") {
		return fmt.Errorf("%w: table %s was not made by it (no schema_migrations table); use a database file of its own", ErrOtherTables, listNames(own))
	}
	var cols []string
	crows, err := tx.QueryContext(ctx, `SELECT name FROM pragma_table_info('schema_migrations') ORDER BY cid`)
	if err != nil {
		return fmt.Errorf("read the schema: %w", err)
	}
	for crows.Next() {
		var c string
		if err := crows.Scan(&c); err != nil {
			crows.Close()
			return fmt.Errorf("read the schema: %w", err)
		}
		cols = append(cols, c)
	}
	if err := errors.Join(crows.Err(), crows.Close()); err != nil {
		return fmt.Errorf("read the schema: %w", err)
	}
	if !slices.Equal(cols, []string{"version", "applied_at"}) {
		return fmt.Errorf("%w: its schema_migrations table has columns (%s), not this store's (version, applied_at); use a database file of its own", ErrOtherTables, strings.Join(cols, ", "))
	}
	return nil
}

// listNames quotes up to five names, and says how many more there are.
func listNames(names []string) string {
	const most = 5
	q := make([]string, 0, most)
	for _, n := range names[:min(len(names), most)] {
		q = append(q, strconv.Quote(n))
	}
	s := strings.Join(q, ", ")
	if len(names) > most {
		s += fmt.Sprintf(" and %d more", len(names)-most)
	}
	return s
}
