package storetest

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/amazondrs/drs/store"
)

// Unwritable describes, for [RunUnwritable], a store whose storage this
// process can read but not write: a directory it may not write, a read-only
// filesystem, a read-only database connection.
type Unwritable struct {
	// Open opens the store; it holds Token under Key, saved before the
	// storage was made unwritable.
	Open  func(t *testing.T) (store.TokenStore, error)
	Key   store.Key
	Token string
	// Where is what every error must name: the file's path, or the server.
	Where string
	// Cause is what every error must also say: why the write failed, in
	// the system's words ("permission denied", "read-only file system").
	Cause string
	// OpenFails is set for a backend that cannot even read without writing
	// (SQLite in WAL mode creates its -shm file): then Open must fail,
	// naming Where and Cause.
	OpenFails bool
}

// RunUnwritable checks a store whose storage cannot be written: loads work,
// and every write fails with an error that names where (u.Where) and why
// (u.Cause) and holds no token, leaving the stored token as it was; or, for
// a backend that says so (u.OpenFails), Open fails with such an error.
func RunUnwritable(t *testing.T, u Unwritable) {
	t.Helper()
	ts, err := u.Open(t)
	if u.OpenFails {
		if err == nil {
			t.Fatal("Open of an unwritable store = nil error, want one naming where and why")
		}
		wantFailure(t, "Open", err, u, nil)
		return
	}
	if err != nil {
		t.Fatalf("Open of an unwritable store: %v; want loads to work", err)
	}
	ctx := context.Background()
	wantLoad(t, ts, u.Key, u.Token)
	other := u.Key
	other.Serial += "-other"
	wantFailure(t, "Save", ts.Save(ctx, u.Key, TestToken("new")), u, &u.Key)
	wantLoad(t, ts, u.Key, u.Token)
	wantFailure(t, "Save of a new key", ts.Save(ctx, other, TestToken("new")), u, &other)
	if _, err := ts.Load(ctx, other); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Load of the key whose Save failed: %v, want ErrNotFound", err)
	}
	wantFailure(t, "Delete", ts.Delete(ctx, u.Key), u, &u.Key)
	wantLoad(t, ts, u.Key, u.Token)
	if ss, ok := ts.(store.StateStore); ok {
		ls := TestState(t, 1, stateClock(), 10*time.Minute)
		wantFailure(t, "PutState", ss.PutState(ctx, stateName(t, 1), ls), u, &ls.Key)
	}
}

// wantFailure fails unless err is an error naming u.Where, u.Cause and (if
// not nil) k, with no token in it.
func wantFailure(t *testing.T, op string, err error, u Unwritable, k *store.Key) {
	t.Helper()
	if err == nil {
		t.Errorf("%s on unwritable storage = nil error, want one", op)
		return
	}
	msg := err.Error()
	switch {
	case !strings.Contains(msg, u.Where):
		t.Errorf("%s error %q does not name %s", op, msg, u.Where)
	case !strings.Contains(msg, u.Cause):
		t.Errorf("%s error %q does not say the cause, %q", op, msg, u.Cause)
	case k != nil && !strings.Contains(msg, k.String()):
		t.Errorf("%s error %q does not name the key %q", op, msg, k.String())
	case strings.Contains(msg, TestToken("")) || u.Token != "" && strings.Contains(msg, u.Token):
		t.Errorf("%s error %q contains a token", op, msg)
	default:
		t.Logf("%s: %v", op, err)
	}
}

// conditionUnmet reports that a test could not create the condition it
// checks (an unwritable directory, a read-only mount): it fails under CI
// (CI set), which must be able to, and elsewhere skips loudly.
func conditionUnmet(t testing.TB, why string) {
	t.Helper()
	msg := "!!! cannot create the test's condition, test NOT RUN: " + why
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
