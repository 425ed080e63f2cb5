package pgstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amazondrs/drs/store"
	"github.com/amazondrs/drs/store/pgstore"
	"github.com/amazondrs/drs/store/storetest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// urlEnv names the variable holding the test server's URL; .ci/pg-setup
// prints it.
const urlEnv = "DRS_TEST_POSTGRES_URL"

// serverURL returns the test server's URL, or skips the test loudly when
// none is configured (and fails it under CI, which always configures one).
func serverURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(urlEnv)
	if u == "" {
		msg := "!!! " + urlEnv + " is not set: PostgreSQL store tests NOT RUN. Start a server with: eval \"$(bash .ci/pg-setup)\""
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return u
}

// newSchema creates an empty schema unique to this call, dropped when t
// ends, and returns the server URL with search_path set to it, so parallel
// tests and packages never share tables.
func newSchema(t testing.TB) string {
	t.Helper()
	base := serverURL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to the test server: %v", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "drs_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("pool_max_conns", "4")
	u.RawQuery = q.Encode()
	return u.String()
}

func open(t testing.TB, u string) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(context.Background(), u)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	serverURL(t)
	storetest.Run(t, func(t *testing.T) store.TokenStore { return open(t, newSchema(t)) })
	storetest.RunStates(t, func(t *testing.T) store.StateStore { return open(t, newSchema(t)) })
}

// TestConformanceTwoInstances uses two Stores (two pools) on one schema, as
// two agent instances would: saves go through one, loads through the other,
// and concurrent takes of a state race across both.
func TestConformanceTwoInstances(t *testing.T) {
	t.Parallel()
	serverURL(t)
	storetest.Run(t, func(t *testing.T) store.TokenStore {
		u := newSchema(t)
		return splitStore{open(t, u), open(t, u)}
	})
	storetest.RunStates(t, func(t *testing.T) store.StateStore {
		u := newSchema(t)
		return &splitStates{a: open(t, u), b: open(t, u)}
	})
}

type splitStore struct{ w, r *pgstore.Store }

func (s splitStore) Load(ctx context.Context, k store.Key) (string, error) { return s.r.Load(ctx, k) }
func (s splitStore) Save(ctx context.Context, k store.Key, rt string) error {
	return s.w.Save(ctx, k, rt)
}
func (s splitStore) Delete(ctx context.Context, k store.Key) error { return s.w.Delete(ctx, k) }

type splitStates struct {
	a, b *pgstore.Store
	mu   sync.Mutex
	n    int
}

func (s *splitStates) PutState(ctx context.Context, st string, ls store.LoginState) error {
	return s.a.PutState(ctx, st, ls)
}

func (s *splitStates) TakeState(ctx context.Context, st string, now time.Time) (store.LoginState, error) {
	s.mu.Lock()
	s.n++
	other := s.n%2 == 0
	s.mu.Unlock()
	if other {
		return s.b.TakeState(ctx, st, now)
	}
	return s.a.TakeState(ctx, st, now)
}

func TestNewOnPool(t *testing.T) {
	t.Parallel()
	u := newSchema(t)
	pool, err := pgxpool.New(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	s, err := pgstore.New(t.Context(), pool)
	if err != nil {
		t.Fatal(err)
	}
	k := storetest.TestKey(t, 1)
	if err := s.Save(t.Context(), k, storetest.TestToken("x")); err != nil {
		t.Fatal(err)
	}
	s.Close() // must not close a pool it was given
	if err := pool.Ping(t.Context()); err != nil {
		t.Fatalf("pool closed by Store.Close: %v", err)
	}
	if _, err := pgstore.New(t.Context(), nil); err == nil {
		t.Error("New(nil) = nil error")
	}
}

func TestConcurrentMigrators(t *testing.T) {
	t.Parallel()
	u := newSchema(t)
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			s, err := pgstore.Open(context.Background(), u)
			if err != nil {
				t.Error(err)
				return
			}
			s.Close()
		})
	}
	wg.Wait()
	s := open(t, u)
	var n, v int
	if err := s.Pool().QueryRow(t.Context(), `SELECT count(*), max(version) FROM drs_schema_migrations`).Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	if n != v {
		t.Errorf("drs_schema_migrations has %d rows for version %d", n, v)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	u := newSchema(t)
	s := open(t, u)
	if _, err := s.Pool().Exec(t.Context(), `INSERT INTO drs_schema_migrations (version) VALUES (999)`); err != nil {
		t.Fatal(err)
	}
	if _, err := pgstore.Open(t.Context(), u); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open error = %v, want one saying the schema is newer", err)
	}
}

func TestWrongPassword(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(serverURL(t))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), "not-the-password-s3cr3t")
	_, err = pgstore.Open(t.Context(), u.String())
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("Open with a wrong password: error = %v; want an error without the password", err)
	}
	t.Log(err)
}

// TestUnreachable needs no server: nothing listens on port 1.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	for _, u := range []string{
		"postgres://drs:s3cr3t@127.0.0.1:1/drs_test?sslmode=disable&connect_timeout=5",
		"postgres://drs:s3cr3t@127.0.0.1:notaport/drs_test",
		"postgres://drs:s3cr3t@[::1/drs_test",
		"postgresql://drs:s3cr3t@127.0.0.1:5432/drs_test?sslmode=bogus",
	} {
		s, err := pgstore.Open(t.Context(), u)
		if err == nil {
			s.Close()
			t.Errorf("Open(%q) = nil error", u)
			continue
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("Open error %q contains the password", err)
		}
		if !strings.HasPrefix(err.Error(), "pgstore") {
			t.Errorf("Open error %q does not name the store", err)
		}
	}
}

func TestClosedStoreErrors(t *testing.T) {
	t.Parallel()
	s := open(t, newSchema(t))
	s.Close()
	k := storetest.TestKey(t, 1)
	if _, err := s.Load(t.Context(), k); err == nil || !strings.Contains(err.Error(), k.String()) {
		t.Errorf("Load on a closed store: error = %v, want one naming the key", err)
	}
	if err := s.Save(t.Context(), k, storetest.TestToken("x")); err == nil || strings.Contains(err.Error(), "Atzr") {
		t.Errorf("Save on a closed store: error = %v, want one without the token", err)
	}
}
