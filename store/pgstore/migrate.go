package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations are the schema versions, in order: migrations[i] takes the
// schema from version i to i+1. Never edit one that has shipped; append.
var migrations = []string{
	// 1: tokens and login states.
	`CREATE TABLE drs_tokens (
		client_id     text        NOT NULL,
		device_model  text        NOT NULL,
		serial        text        NOT NULL,
		refresh_token text        NOT NULL CHECK (refresh_token <> ''),
		updated_at    timestamptz NOT NULL DEFAULT now(),
		PRIMARY KEY (client_id, device_model, serial)
	);
	CREATE TABLE drs_login_states (
		state        text        NOT NULL PRIMARY KEY,
		client_id    text        NOT NULL,
		device_model text        NOT NULL,
		serial       text        NOT NULL,
		test_device  boolean     NOT NULL,
		non_live     boolean     NOT NULL,
		redirect_url text        NOT NULL,
		expires      timestamptz NOT NULL
	);
	CREATE INDEX drs_login_states_expires ON drs_login_states (expires);`,
	// 2: a login state keeps its PKCE verifier and the link it came from.
	`ALTER TABLE drs_login_states ADD COLUMN verifier text NOT NULL DEFAULT '';
	ALTER TABLE drs_login_states ADD COLUMN link text NOT NULL DEFAULT '';`,
}

// migrate brings the schema up to date in one transaction. The advisory lock
// (keyed by the current schema, released at commit) makes concurrent
// migrators wait for the first instead of failing on CREATE TABLE.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx,
			`SELECT pg_advisory_xact_lock(hashtextextended('drs-store-migrate:' || coalesce(current_schema(), ''), 0))`); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		// A schema already up to date needs no write, so a read-only
		// connection (a standby, default_transaction_read_only) can load.
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT to_regclass('drs_schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		var have int
		if exists {
			if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM drs_schema_migrations`).Scan(&have); err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
			if have == len(migrations) {
				return nil
			}
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS drs_schema_migrations (
			version    integer     NOT NULL PRIMARY KEY,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM drs_schema_migrations`).Scan(&have); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if have > len(migrations) {
			return fmt.Errorf("migrate: database schema version %d is newer than this program's (%d); upgrade it", have, len(migrations))
		}
		for v := have + 1; v <= len(migrations); v++ {
			if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
				return fmt.Errorf("migrate to version %d: %w", v, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO drs_schema_migrations (version) VALUES ($1)`, v); err != nil {
				return fmt.Errorf("migrate to version %d: %w", v, err)
			}
		}
		return nil
	})
}
