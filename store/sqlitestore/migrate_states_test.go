package sqlitestore

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/amazondrs/drs/store"
)

// TestMigrateKeepsPendingStates upgrades a version-1 database holding a
// pending login state: the state survives, with an empty verifier and link,
// and new states keep both.
func TestMigrateKeepsPendingStates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT`,
		migrations[0],
		`INSERT INTO schema_migrations VALUES (1, 0)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO login_states VALUES ('old', 'c', 'm', 's', 1, 0, 'http://127.0.0.1/cb', ?)`, exp.UnixMicro()); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.TakeState(t.Context(), "old", time.Now())
	want := store.LoginState{Key: store.Key{ClientID: "c", DeviceModel: "m", Serial: "s"}, TestDevice: true,
		RedirectURL: "http://127.0.0.1/cb", Expires: exp}
	if err != nil || got != want {
		t.Fatalf("TakeState after the upgrade = %+v, %v; want %+v", got, err, want)
	}
	want.Verifier, want.Link = "v", "l"
	if err := s.PutState(t.Context(), "new", want); err != nil {
		t.Fatal(err)
	}
	if got, err := s.TakeState(t.Context(), "new", time.Now()); err != nil || got != want {
		t.Fatalf("TakeState = %+v, %v; want %+v", got, err, want)
	}
}
