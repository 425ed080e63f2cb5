// Package pgstore keeps refresh tokens and pending login states in
// PostgreSQL through pgx/v5's connection pool: for agents that run on several
// machines at once. A login that starts on one instance can finish on
// another, and a state is accepted at most once across all of them.
//
// The tables are drs_tokens, drs_login_states and drs_schema_migrations, in
// the connection's current schema (set search_path in the URL to choose
// another). [Open] and [New] migrate the schema, holding a transaction-level
// advisory lock so that instances starting together do not race. Saves are
// upserts (INSERT ... ON CONFLICT DO UPDATE) committed with the server's
// synchronous_commit setting (on by default: durable when Save returns).
// Once the schema is up to date Open writes nothing, so a read-only
// connection (a standby, or default_transaction_read_only=on in the URL) can
// load tokens; its saves fail with the server's reason.
//
// Errors name the server (host:port/database) and the key; they never
// contain the password or a token.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/amazondrs/drs/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultConnectTimeout bounds each connection attempt when the URL sets no
// connect_timeout.
const DefaultConnectTimeout = 10 * time.Second

// Store is a [store.TokenStore] and [store.StateStore] backed by PostgreSQL.
// It is safe for concurrent use; call Close when done.
type Store struct {
	pool    *pgxpool.Pool
	name    string // host:port/database, for errors
	ownPool bool
}

var (
	_ store.TokenStore = (*Store)(nil)
	_ store.StateStore = (*Store)(nil)
)

// Open connects to the database at url (postgres://USER:PASSWORD@HOST:PORT/DB?...),
// checks that it answers and migrates the schema. A server that cannot be
// reached fails with an error, not a panic; Close closes the pool.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The parse error may quote the URL, password included: say less.
		return nil, errors.New("pgstore: cannot parse the connection URL; want postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=MODE")
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore %s: %w", describe(cfg), err)
	}
	s, err := New(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.ownPool = true
	return s, nil
}

// New returns a Store on an existing pool, after checking that the server
// answers and migrating the schema. Close does not close a pool given to New.
func New(ctx context.Context, pool *pgxpool.Pool) (*Store, error) {
	if pool == nil {
		return nil, errors.New("pgstore: New: nil pool")
	}
	s := &Store{pool: pool, name: describe(pool.Config())}
	if err := pool.Ping(ctx); err != nil {
		return nil, fmt.Errorf("pgstore %s: connect: %w", s.name, err)
	}
	if err := migrate(ctx, pool); err != nil {
		return nil, fmt.Errorf("pgstore %s: %w", s.name, err)
	}
	return s, nil
}

func describe(cfg *pgxpool.Config) string {
	c := cfg.ConnConfig
	return net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port))) + "/" + c.Database
}

// String returns "pgstore HOST:PORT/DATABASE", the name its errors start
// with; it holds no password.
func (s *Store) String() string { return "pgstore " + s.name }

// Pool returns the pool the Store uses.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close closes the pool if Open made it.
func (s *Store) Close() error {
	if s.ownPool {
		s.pool.Close()
	}
	return nil
}

func (s *Store) errorf(op string, k store.Key, err error) error {
	return fmt.Errorf("pgstore %s: %s key %q: %w", s.name, op, k.String(), err)
}

// Load returns the refresh token saved under k, or an error wrapping
// [store.ErrNotFound].
func (s *Store) Load(ctx context.Context, k store.Key) (string, error) {
	if err := k.Validate(); err != nil {
		return "", s.errorf("load", k, err)
	}
	var rt string
	err := s.pool.QueryRow(ctx,
		`SELECT refresh_token FROM drs_tokens WHERE client_id = $1 AND device_model = $2 AND serial = $3`,
		k.ClientID, k.DeviceModel, k.Serial).Scan(&rt)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return "", s.errorf("load", k, store.ErrNotFound)
	case err != nil:
		return "", s.errorf("load", k, err)
	}
	return rt, nil
}

// Save stores refreshToken under k with one upsert.
func (s *Store) Save(ctx context.Context, k store.Key, refreshToken string) error {
	if err := k.Validate(); err != nil {
		return s.errorf("save", k, err)
	}
	if refreshToken == "" {
		return s.errorf("save", k, errors.New("empty refresh token (use Delete)"))
	}
	_, err := s.pool.Exec(ctx,
		`INSERT INTO drs_tokens (client_id, device_model, serial, refresh_token, updated_at)
		VALUES ($1, $2, $3, $4, now())
		ON CONFLICT (client_id, device_model, serial)
		DO UPDATE SET refresh_token = EXCLUDED.refresh_token, updated_at = EXCLUDED.updated_at`,
		k.ClientID, k.DeviceModel, k.Serial, refreshToken)
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
	_, err := s.pool.Exec(ctx,
		`DELETE FROM drs_tokens WHERE client_id = $1 AND device_model = $2 AND serial = $3`,
		k.ClientID, k.DeviceModel, k.Serial)
	if err != nil {
		return s.errorf("delete", k, err)
	}
	return nil
}
