package filestore_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/amazondrs/drs/store"
	"github.com/amazondrs/drs/store/filestore"
	"github.com/amazondrs/drs/store/storetest"
)

// seedKey and seedToken are what the unwritable-storage tests save before
// the storage becomes unwritable (a child process cannot derive a key from
// the parent's test name).
var (
	seedKey   = store.Key{ClientID: "amzn1.application-oa2-client.seed", DeviceModel: "model", Serial: "seed"}
	seedToken = storetest.TestToken("seeded")
)

// victim writes a file outside the store that a symbolic link points to,
// and returns a function that fails t if the file changed in any way.
func victim(t *testing.T) (path string, unchanged func()) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "elsewhere")
	content := []byte(`{"version":1,"tokens":{}}`)
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644)
	return path, func() {
		t.Helper()
		if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
			t.Errorf("the link's target was written: %q", got)
		}
		if got := mode(t, path); got != 0o644 {
			t.Errorf("the link's target mode changed to %o", got)
		}
	}
}

func wantSymlinkErr(t *testing.T, op string, err error, path string) {
	t.Helper()
	if !errors.Is(err, filestore.ErrSymlink) {
		t.Fatalf("%s error = %v, want one wrapping ErrSymlink", op, err)
	}
	if !bytes.Contains([]byte(err.Error()), []byte(path)) {
		t.Errorf("%s error %q does not name %s", op, err, path)
	}
}

// TestOpenRefusesSymlinks checks that Open refuses a token file or lock file
// that is a symbolic link, live or dangling, and touches nothing it points to.
func TestOpenRefusesSymlinks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		link     string // ".lock" for the lock file, "" for the token file
		dangling bool
	}{
		{"token", "", false},
		{"tokenDangling", "", true},
		{"lock", ".lock", false},
		{"lockDangling", ".lock", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := tempPath(t)
			target, unchanged := victim(t)
			if tc.dangling {
				target, unchanged = filepath.Join(t.TempDir(), "missing"), func() {
					if _, err := os.Lstat(target); !errors.Is(err, os.ErrNotExist) {
						t.Errorf("a file was created where the dangling link points (%v)", err)
					}
				}
			}
			if err := os.Symlink(target, path+tc.link); err != nil {
				t.Fatal(err)
			}
			_, err := filestore.Open(path)
			wantSymlinkErr(t, "Open", err, path+tc.link)
			unchanged()
		})
	}
}

// TestSymlinkPlantedAfterOpen replaces the token file, then the lock file,
// with links after Open: loads and saves refuse them, and the files they
// point to are neither written nor re-moded.
func TestSymlinkPlantedAfterOpen(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	s := open(t, path)
	ctx := t.Context()
	k := storetest.TestKey(t, 1)
	if err := s.Save(ctx, k, storetest.TestToken("x")); err != nil {
		t.Fatal(err)
	}
	target, unchanged := victim(t)
	os.Remove(path)
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	_, err := s.Load(ctx, k)
	wantSymlinkErr(t, "Load", err, path)
	wantSymlinkErr(t, "Save", s.Save(ctx, k, storetest.TestToken("y")), path)
	wantSymlinkErr(t, "Delete", s.Delete(ctx, k), path)
	unchanged()
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced (%v)", err)
	}

	os.Remove(path)
	missing := filepath.Join(t.TempDir(), "missing")
	os.Remove(path + ".lock")
	if err := os.Symlink(missing, path+".lock"); err != nil {
		t.Fatal(err)
	}
	wantSymlinkErr(t, "Save with a linked lock file", s.Save(ctx, k, storetest.TestToken("z")), path+".lock")
	if _, err := os.Lstat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Save created the lock file where the dangling link points (%v)", err)
	}
}

func TestOpenRefusesSpecialFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := filestore.Open(dir); err == nil {
		t.Error("Open(a directory) = nil error")
	}
	if _, err := filestore.Open("/dev/null"); err == nil || !bytes.Contains([]byte(err.Error()), []byte("regular file")) {
		t.Errorf("Open(/dev/null) error = %v, want one saying it is not a regular file", err)
	}
}

// TestUnwritableDirectory saves a token, then, in a child process that
// cannot write the directory (user nobody when run as root), checks that
// loads work and saves fail naming the path and the cause.
func TestUnwritableDirectory(t *testing.T) {
	t.Parallel()
	dir := storetest.SharedDir(t)
	if err := open(t, filepath.Join(dir, "tokens.json")).Save(t.Context(), seedKey, seedToken); err != nil {
		t.Fatal(err)
	}
	storetest.RunUnwritableChild(t, dir, "TestUnwritableDirectoryChild")
}

// TestUnwritableDirectoryChild is the body of TestUnwritableDirectory's
// child process; elsewhere it does nothing.
func TestUnwritableDirectoryChild(t *testing.T) {
	dir := storetest.UnwritableChildDir(t)
	if dir == "" {
		return
	}
	path := filepath.Join(dir, "tokens.json")
	storetest.RunUnwritable(t, unwritable(path, "permission denied"))
}

func unwritable(path, cause string) storetest.Unwritable {
	return storetest.Unwritable{
		Open: func(t *testing.T) (store.TokenStore, error) {
			s, err := filestore.Open(path)
			if err != nil {
				return nil, err
			}
			return s, nil
		},
		Key: seedKey, Token: seedToken, Where: path, Cause: cause,
	}
}

// TestReadOnlyMount checks loads and saves on a read-only tmpfs (where
// mounting is allowed), with a file readable by others that Open cannot
// make 0600 there.
func TestReadOnlyMount(t *testing.T) {
	t.Parallel()
	dir, readOnly := storetest.ReadOnlyMount(t)
	path := filepath.Join(dir, "tokens.json")
	if err := open(t, path).Save(t.Context(), seedKey, seedToken); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644)
	readOnly()
	storetest.RunUnwritable(t, unwritable(path, "read-only file system"))
	if got := mode(t, path); got != 0o644 {
		t.Errorf("mode = %o; the read-only file should be left as it was", got)
	}
}
