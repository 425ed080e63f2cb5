package sqlitefile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestCreateAndRestrict(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "sub", "x.db")
	if err := Create(path); err != nil {
		t.Fatal(err)
	}
	if err := Create(path); err != nil {
		t.Fatalf("Create of an existing file: %v", err)
	}
	for _, p := range []string{path + "-wal", path + "-shm", path + "-lock"} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := Restrict(path, path+"-lock"); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600, path + "-lock": 0o600, filepath.Dir(path): 0o700} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("mode of %s = %v (%v), want %o", p, fi.Mode().Perm(), err, want)
		}
	}
}

func TestRestrictRefuses(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		setup func(path string) error
		want  string
	}{
		{"link", func(p string) error { return os.Symlink(p+"-elsewhere", p) }, ErrSymlink.Error()},
		{"link -shm", func(p string) error { return os.Symlink(p+"-elsewhere", p+"-shm") }, ErrSymlink.Error()},
		{"directory -wal", func(p string) error { return os.Mkdir(p+"-wal", 0o700) }, "not a regular file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "x.db")
			if err := tt.setup(path); err != nil {
				t.Fatal(err)
			}
			err := Restrict(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Restrict = %v, want an error with %q", err, tt.want)
			}
			if strings.Contains(tt.want, "symbolic") && !errors.Is(err, ErrSymlink) {
				t.Errorf("Restrict = %v, want one wrapping ErrSymlink", err)
			}
		})
	}
}
