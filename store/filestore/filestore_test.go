package filestore_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amazondrs/drs/store"
	"github.com/amazondrs/drs/store/filestore"
	"github.com/amazondrs/drs/store/storetest"
)

func open(t *testing.T, path string) *filestore.Store {
	t.Helper()
	s, err := filestore.Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func tempPath(t *testing.T) string { return filepath.Join(t.TempDir(), "tokens.json") }

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.TokenStore { return open(t, tempPath(t)) })
	storetest.RunStates(t, func(t *testing.T) store.StateStore { return open(t, tempPath(t)) })
}

func TestTwoStoresShareFile(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	storetest.Run(t, func(t *testing.T) store.TokenStore { return splitStore{open(t, path), open(t, path)} })
}

// splitStore writes through one Store and reads through another on the same
// file.
type splitStore struct{ w, r *filestore.Store }

func (s splitStore) Load(ctx context.Context, k store.Key) (string, error) { return s.r.Load(ctx, k) }
func (s splitStore) Save(ctx context.Context, k store.Key, rt string) error {
	return s.w.Save(ctx, k, rt)
}
func (s splitStore) Delete(ctx context.Context, k store.Key) error { return s.w.Delete(ctx, k) }

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestPermissions(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	path := filepath.Join(root, "a", "b", "tokens.json")
	s := open(t, path)
	if err := s.Save(t.Context(), storetest.TestKey(t, 1), storetest.TestToken("x")); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{
		filepath.Join(root, "a"):      0o700,
		filepath.Join(root, "a", "b"): 0o700,
		path:                          0o600,
		path + ".lock":                0o600,
	} {
		if got := mode(t, p); got != want {
			t.Errorf("mode of %s = %o, want %o", p, got, want)
		}
	}
}

func TestOpenRestrictsExistingFile(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	if err := os.WriteFile(path, []byte(`{"version":1,"tokens":{}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644) // beat the umask
	open(t, path)
	if got := mode(t, path); got != 0o600 {
		t.Errorf("mode after Open = %o, want 600", got)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	if _, err := filestore.Open(""); err == nil {
		t.Error(`Open("") = nil error`)
	}
	if _, err := filestore.Open(t.TempDir()); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("Open(a directory) error = %v, want one saying it is a directory", err)
	}
	blocker := filepath.Join(t.TempDir(), "file")
	os.WriteFile(blocker, nil, 0o600)
	if _, err := filestore.Open(filepath.Join(blocker, "tokens.json")); err == nil {
		t.Error("Open under a regular file = nil error")
	}
}

func TestCorruptFileNeverOverwritten(t *testing.T) {
	t.Parallel()
	contents := map[string]string{
		"garbage":   "{not json " + storetest.TestToken("inside"),
		"truncated": `{"version":1,"tokens":{"a/b/c":{"refresh_token":"` + storetest.TestToken("inside"),
		"wrongType": `{"version":1,"tokens":["` + storetest.TestToken("inside") + `"]}`,
		"noVersion": `{"tokens":{}}`,
		"newer":     `{"version":99,"tokens":{}}`,
	}
	for name, content := range contents {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := tempPath(t)
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			s := open(t, path)
			k := storetest.TestKey(t, 1)
			ctx := t.Context()
			_, loadErr := s.Load(ctx, k)
			errs := map[string]error{
				"Load":     loadErr,
				"Save":     s.Save(ctx, k, storetest.TestToken("new")),
				"Delete":   s.Delete(ctx, k),
				"PutState": s.PutState(ctx, "st", storetest.TestState(t, 1, time.Now(), time.Minute)),
			}
			for op, err := range errs {
				if !errors.Is(err, filestore.ErrCorrupt) {
					t.Errorf("%s error = %v, want one wrapping ErrCorrupt", op, err)
					continue
				}
				if errors.Is(err, filestore.ErrCorruptEntry) {
					t.Errorf("%s error = %v wraps ErrCorruptEntry, but Delete cannot fix a whole file", op, err)
				}
				if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, k.String()) || strings.Contains(msg, "Atzr") {
					t.Errorf("%s error %q must name the file and the key and no token", op, msg)
				}
			}
			if _, err := s.TakeState(ctx, "st", time.Now()); !errors.Is(err, filestore.ErrCorrupt) {
				t.Errorf("TakeState error = %v, want one wrapping ErrCorrupt", err)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, []byte(content)) {
				t.Errorf("file changed to %q", got)
			}
		})
	}
}

// TestUnreadableEntryKept checks that an entry for the key that cannot be
// read is reported as corrupt, naming the file and the key, and is never
// overwritten by a Save; Delete removes it, and other keys work meanwhile.
func TestUnreadableEntryKept(t *testing.T) {
	t.Parallel()
	k := store.Key{ClientID: "c", DeviceModel: "m", Serial: "s"}
	for name, entry := range map[string]string{
		"noToken":     `{"client_id":"c","device_model":"m","serial":"s","refresh_token":""}`,
		"otherDevice": `{"client_id":"c","device_model":"m","serial":"other","refresh_token":"Atzr|kept"}`,
		"null":        `null`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := tempPath(t)
			content := []byte(`{"version":1,"tokens":{"c/m/s":` + entry + `}}`)
			os.WriteFile(path, content, 0o600)
			s := open(t, path)
			ctx := t.Context()
			_, loadErr := s.Load(ctx, k)
			saveErr := s.Save(ctx, k, storetest.TestToken("new"))
			for op, err := range map[string]error{"Load": loadErr, "Save": saveErr} {
				if !errors.Is(err, filestore.ErrCorrupt) || !errors.Is(err, filestore.ErrCorruptEntry) {
					t.Fatalf("%s error = %v, want ErrCorruptEntry and ErrCorrupt", op, err)
				}
				if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, k.String()) || strings.Contains(msg, "Atzr") {
					t.Errorf("%s error %q must name the file and the key and no token", op, msg)
				}
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
				t.Fatalf("Save over an unreadable entry rewrote the file: %s", got)
			}
			other := storetest.TestKey(t, 2)
			if err := s.Save(ctx, other, storetest.TestToken("other")); err != nil {
				t.Fatalf("Save of another key: %v", err)
			}
			if _, err := s.Load(ctx, k); !errors.Is(err, filestore.ErrCorrupt) {
				t.Fatalf("the unreadable entry did not survive a Save of another key: %v", err)
			}
			if err := s.Delete(ctx, k); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if err := s.Save(ctx, k, storetest.TestToken("new")); err != nil {
				t.Fatalf("Save after Delete: %v", err)
			}
			if got, err := s.Load(ctx, k); err != nil || got != storetest.TestToken("new") {
				t.Fatalf("Load = %q, %v", got, err)
			}
		})
	}
}

func TestEmptyFileIsEmptyStore(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	os.WriteFile(path, nil, 0o600)
	s := open(t, path)
	k := storetest.TestKey(t, 1)
	if _, err := s.Load(t.Context(), k); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Load error = %v, want ErrNotFound", err)
	}
	if err := s.Save(t.Context(), k, storetest.TestToken("x")); err != nil {
		t.Fatal(err)
	}
}

func TestStaleTempFilesRemoved(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	stale := path + ".tmp-12345"
	os.WriteFile(stale, []byte("half a file"), 0o600)
	s := open(t, path)
	if err := s.Save(t.Context(), storetest.TestKey(t, 1), storetest.TestToken("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temp file still there (stat: %v)", err)
	}
}

func TestFileIsReadableJSON(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	k := store.Key{ClientID: "amzn1.application-oa2-client.x", DeviceModel: "model", Serial: "s1"}
	if err := open(t, path).Save(t.Context(), k, "Atzr|abc"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	for _, want := range []string{`"version": 1`, `"amzn1.application-oa2-client.x/model/s1": {`, `"refresh_token": "Atzr|abc"`, `"updated_at": "`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("file lacks %s:\n%s", want, b)
		}
	}
}

func TestDefaultPath(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir)
	got, err := filestore.DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, dir) || !strings.HasSuffix(got, filepath.Join("amazondrs", "tokens.json")) {
		t.Errorf("DefaultPath() = %q, want %s/.../amazondrs/tokens.json", got, dir)
	}
}

func TestCanceledLockWait(t *testing.T) {
	t.Parallel()
	s := open(t, tempPath(t))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Save(ctx, storetest.TestKey(t, 1), storetest.TestToken("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Save error = %v, want context.Canceled", err)
	}
}
