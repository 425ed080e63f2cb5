package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// migrations are the schema steps, in order; migrations[i] takes the
// schema from version i to i+1. Never edit a released step: add one.
var migrations = []string{
	`CREATE TABLE devices (
		id          TEXT PRIMARY KEY,
		model       TEXT NOT NULL,
		serial      TEXT NOT NULL,
		test_device INTEGER NOT NULL,
		non_live    INTEGER NOT NULL,
		token_hash  BLOB,
		link_id     TEXT UNIQUE,
		linked      INTEGER NOT NULL DEFAULT 0,
		state       TEXT NOT NULL DEFAULT 'active',
		created_at  TEXT NOT NULL,
		updated_at  TEXT NOT NULL,
		deleted_at  TEXT
	);
	CREATE UNIQUE INDEX devices_model_serial ON devices(model, serial) WHERE deleted_at IS NULL;`,
}

// ownTables are the tables the migrations create, with fleet_schema; add
// each table a new migration creates.
var ownTables = map[string]bool{"fleet_schema": true, "devices": true}

// riverPrefix starts the name of each table River's migrations create
// (package jobs runs them).
const riverPrefix = "river_"

// ErrOtherTables is wrapped by the error [Open] returns for a database
// holding tables that are neither fleet's nor River's (unless
// [WithOtherTables] allows them), or a table with a fleet name that fleet
// did not make.
var ErrOtherTables = errors.New("db: the database holds tables that are not drs serve's")

// SchemaVersion is the schema version this server knows.
func SchemaVersion() int { return len(migrations) }

// migrate brings the schema to [SchemaVersion] in one IMMEDIATE
// transaction (the DSN's _txlock), which is the lock: a second migrator
// waits for it and then finds nothing to do.
func (d *DB) migrate(ctx context.Context, otherTables bool) error {
	tx, err := d.SQL.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: %s: starting the migration: %w", d.Spec, err)
	}
	defer tx.Rollback()
	if err := checkTables(ctx, tx, otherTables); err != nil {
		return fmt.Errorf("%w (%s)", err, d.Spec)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS fleet_schema (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("db: %s: %w", d.Spec, err)
	}
	v, err := schemaVersion(ctx, tx)
	if err != nil {
		return fmt.Errorf("db: %s: %w", d.Spec, err)
	}
	if v > len(migrations) {
		return fmt.Errorf("%w (%s: schema version %d, this drs serve knows up to %d)", ErrSchemaTooNew, d.Spec, v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("db: %s: migration %d: %w", d.Spec, i+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE fleet_schema SET version = ?`, len(migrations)); err != nil {
		return fmt.Errorf("db: %s: %w", d.Spec, err)
	}
	return tx.Commit()
}

// schemaVersion reads the version row, inserting 0 if there is none.
func schemaVersion(ctx context.Context, tx *sql.Tx) (int, error) {
	var v int
	err := tx.QueryRowContext(ctx, `SELECT version FROM fleet_schema`).Scan(&v)
	if err == sql.ErrNoRows {
		_, err = tx.ExecContext(ctx, `INSERT INTO fleet_schema (version) VALUES (0)`)
		return 0, err
	}
	return v, err
}

// checkTables refuses a database with tables or views that are neither
// fleet's nor River's, unless otherTables, and one with a fleet table but
// no fleet_schema, or a fleet_schema with other columns than version: a
// table another application made under the same name.
func checkTables(ctx context.Context, tx *sql.Tx, otherTables bool) error {
	names, err := queryStrings(ctx, tx, `SELECT name FROM sqlite_schema
		WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return fmt.Errorf("db: reading the schema: %w", err)
	}
	var own, other []string
	for _, n := range names {
		switch {
		case ownTables[n]:
			own = append(own, n)
		case !strings.HasPrefix(n, riverPrefix):
			other = append(other, n)
		}
	}
	if len(other) > 0 && !otherTables {
		return fmt.Errorf("%w: %s; give drs serve a database of its own", ErrOtherTables, listNames(other))
	}
	if len(own) == 0 {
		return nil
	}
	if !slices.Contains(own, "fleet_schema") {
		return fmt.Errorf("%w: table %s was not made by drs serve (no fleet_schema table); give drs serve a database of its own", ErrOtherTables, listNames(own))
	}
	cols, err := queryStrings(ctx, tx, `SELECT name FROM pragma_table_info('fleet_schema') ORDER BY cid`)
	if err != nil {
		return fmt.Errorf("db: reading the schema: %w", err)
	}
	if !slices.Equal(cols, []string{"version"}) {
		return fmt.Errorf("%w: its fleet_schema table has columns (%s), not drs serve's (version); give drs serve a database of its own", ErrOtherTables, strings.Join(cols, ", "))
	}
	return nil
}

// queryStrings returns the single text column of query's rows.
func queryStrings(ctx context.Context, tx *sql.Tx, query string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, s)
	}
	return out, errors.Join(rows.Err(), rows.Close())
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
