package sqlitestore_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/amazondrs/drs/store"
	"github.com/amazondrs/drs/store/sqlitestore"
	"github.com/amazondrs/drs/store/storetest"
)

func open(t testing.TB, path string, opts ...sqlitestore.Option) *sqlitestore.Store {
	t.Helper()
	s, err := sqlitestore.Open(context.Background(), path, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func tempPath(t testing.TB) string { return filepath.Join(t.TempDir(), "tokens.db") }

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.TokenStore { return open(t, tempPath(t)) })
	storetest.RunStates(t, func(t *testing.T) store.StateStore { return open(t, tempPath(t)) })
}

func TestConformanceSynchronousNormal(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.TokenStore {
		return open(t, tempPath(t), sqlitestore.WithSynchronousNormal())
	})
}

// TestConformanceTwoHandles saves through one Store and loads through
// another on the same file, as two processes would.
func TestConformanceTwoHandles(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.TokenStore {
		path := tempPath(t)
		return splitStore{open(t, path), open(t, path)}
	})
	storetest.RunStates(t, func(t *testing.T) store.StateStore {
		path := tempPath(t)
		return splitStates{open(t, path), open(t, path)}
	})
}

type splitStore struct{ w, r *sqlitestore.Store }

func (s splitStore) Load(ctx context.Context, k store.Key) (string, error) { return s.r.Load(ctx, k) }
func (s splitStore) Save(ctx context.Context, k store.Key, rt string) error {
	return s.w.Save(ctx, k, rt)
}
func (s splitStore) Delete(ctx context.Context, k store.Key) error { return s.w.Delete(ctx, k) }

type splitStates struct{ a, b *sqlitestore.Store }

func (s splitStates) PutState(ctx context.Context, st string, ls store.LoginState) error {
	return s.a.PutState(ctx, st, ls)
}

func (s splitStates) TakeState(ctx context.Context, st string, now time.Time) (store.LoginState, error) {
	// Alternate handles so concurrent takes race across connections.
	if len(st)%2 == 0 {
		return s.a.TakeState(ctx, st, now)
	}
	return s.b.TakeState(ctx, st, now)
}

func TestPersistsAcrossReopen(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	k := storetest.TestKey(t, 1)
	s := open(t, path)
	if err := s.Save(t.Context(), k, storetest.TestToken("x")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if got, err := open(t, path).Load(t.Context(), k); err != nil || got != storetest.TestToken("x") {
		t.Fatalf("Load after reopen = %q, %v", got, err)
	}
}

func TestPermissions(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "new", "dir")
	path := filepath.Join(dir, "tokens.db")
	s := open(t, path)
	if err := s.Save(t.Context(), storetest.TestKey(t, 1), storetest.TestToken("x")); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("mode of %s = %o, want %o", p, got, want)
		}
	}
}

func TestConcurrentOpenMigratesOnce(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			s, err := sqlitestore.Open(context.Background(), path)
			if err != nil {
				t.Error(err)
				return
			}
			s.Close()
		})
	}
	wg.Wait()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, v int
	if err := db.QueryRow(`SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	if n != v {
		t.Errorf("schema_migrations has %d rows for version %d", n, v)
	}
}

func TestNotADatabase(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	content := []byte("this is not a database, it holds Atzr|secret\n")
	os.WriteFile(path, content, 0o600)
	_, err := sqlitestore.Open(t.Context(), path)
	if err == nil || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "Atzr") {
		t.Fatalf("Open error = %v, want one naming %s", err, path)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
		t.Error("Open changed a file that is not a database")
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	open(t, path).Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations VALUES (999, 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := sqlitestore.Open(t.Context(), path); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open error = %v, want one saying the schema is newer", err)
	}
}

func TestBadPath(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"", ":memory:", "a?b"} {
		if _, err := sqlitestore.Open(t.Context(), p); err == nil {
			t.Errorf("Open(%q) = nil error", p)
		}
	}
	blocker := filepath.Join(t.TempDir(), "file")
	os.WriteFile(blocker, nil, 0o600)
	if _, err := sqlitestore.Open(t.Context(), filepath.Join(blocker, "x.db")); err == nil {
		t.Error("Open under a regular file = nil error")
	}
}

// TestWALAndBusyTimeout checks the journal mode on disk, then holds the
// write lock from another connection (as another process would): readers
// must not be blocked meanwhile (WAL), and a Save must wait for the lock
// (busy timeout) instead of failing with "database is locked". It asserts
// the order of events, not how long they take, so a slow machine cannot
// make it fail.
func TestWALAndBusyTimeout(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	s := open(t, path)
	k := storetest.TestKey(t, 1)
	if err := s.Save(t.Context(), k, storetest.TestToken("old")); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v; want wal", mode, err)
	}
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	// The other writer holds its lock until release is closed, and sets
	// committing just before it lets go.
	release := make(chan struct{})
	var committing atomic.Bool
	released := make(chan error, 1)
	go func() {
		<-release
		committing.Store(true)
		_, err := conn.ExecContext(context.Background(), `COMMIT`)
		released <- err
	}()
	// The lock is held for as long as this Load takes: a Load that waited
	// for the writer would fail with "database is locked" after the busy
	// timeout instead of returning the committed value.
	got, err := s.Load(t.Context(), k)
	if err != nil || got != storetest.TestToken("old") {
		close(release)
		t.Fatalf("Load while another connection holds the write lock = %q, %v; WAL readers should not wait", got, err)
	}
	// Let go a little later, while the Save below is waiting for the lock
	// (or before it starts, on a slow machine; then the order is still
	// right, only the wait is not exercised).
	time.AfterFunc(100*time.Millisecond, func() { close(release) })
	if err := s.Save(t.Context(), k, storetest.TestToken("new")); err != nil {
		t.Fatalf("Save while another connection holds the write lock: %v", err)
	}
	if !committing.Load() {
		t.Error("Save returned before the other writer let go of the write lock")
	}
	if err := <-released; err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(t.Context(), k); err != nil || got != storetest.TestToken("new") {
		t.Fatalf("Load = %q, %v", got, err)
	}
}

// TestTwoWritersLoseNothing saves from two Stores on one file (two writer
// connections, as two processes would have) at once.
func TestTwoWritersLoseNothing(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	stores := []*sqlitestore.Store{open(t, path), open(t, path)}
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := stores[i%2].Save(context.Background(), storetest.TestKey(t, i), storetest.TestToken(strconv.Itoa(i))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i := range n {
		if got, err := stores[(i+1)%2].Load(t.Context(), storetest.TestKey(t, i)); err != nil || got != storetest.TestToken(strconv.Itoa(i)) {
			t.Fatalf("Load(%d) = %q, %v", i, got, err)
		}
	}
}
