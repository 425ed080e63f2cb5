package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/amazondrs/drs/internal/sqlitefile"
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

// owner says which tables are fleet's: the ones the migrations create, with
// fleet_schema (add each table a new migration creates), and River's, whose
// names start with "river_" (package jobs runs its migrations).
var owner = sqlitefile.Owner{
	Tables:  map[string]bool{"fleet_schema": true, "devices": true},
	Prefix:  "river_",
	Marker:  "fleet_schema",
	Columns: []string{"version"},
	Advice:  "give drs serve a database of its own",
}

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
	if err := owner.Check(ctx, tx, otherTables, ErrOtherTables); err != nil {
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
