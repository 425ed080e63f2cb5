//go:build unix

package storetest

import (
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// envChildDir passes the unwritable directory to the child process.
const envChildDir = "DRS_STORETEST_UNWRITABLE_DIR"

// nobody is the user and group the child runs as when the parent is root.
const nobody = 65534

// SharedDir returns an empty directory, removed when t ends, that a child
// started by [RunUnwritableChild] can reach: everyone may search it and its
// parent (a test's own TempDir is 0700, closed to user nobody).
func SharedDir(t *testing.T) string {
	t.Helper()
	base, err := os.MkdirTemp("", "drs-storetest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	dir := filepath.Join(base, "store")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{base, dir} {
		if err := os.Chmod(d, 0o755); err != nil { // beat the umask
			t.Fatal(err)
		}
	}
	return dir
}

// UnwritableChildDir returns, in a child process started by
// [RunUnwritableChild], the directory it cannot write, after checking that
// it indeed cannot (a child that can fails under CI and skips loudly
// elsewhere); in any other process it returns "".
func UnwritableChildDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(envChildDir)
	if dir != "" {
		requireUnwritable(t, dir)
	}
	return dir
}

// RunUnwritableChild re-runs this test binary's test named test in a child
// process that may read but not write dir (made by [SharedDir]), where that
// test finds dir with [UnwritableChildDir], and fails t if the child fails.
// As root, for whom permissions block nothing, the child runs as user
// nobody (uid 65534, SysProcAttr.Credential), with the files in dir given to
// nobody and dir left root's (0755); as anyone else, it runs as that user
// with dir made 0555.
func RunUnwritableChild(t *testing.T, dir, test string) {
	t.Helper()
	bin := filepath.Join(filepath.Dir(dir), "test.bin")
	if err := copyFile(os.Args[0], bin); err != nil {
		t.Fatalf("copy the test binary for the child: %v", err)
	}
	cmd := exec.Command(bin, "-test.run=^"+test+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), envChildDir+"="+dir)
	cmd.Dir = filepath.Dir(dir)
	if os.Geteuid() == 0 {
		err := filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
			if err != nil || p == dir {
				return err
			}
			return os.Lchown(p, nobody, nobody)
		})
		if err != nil {
			t.Fatalf("give the files to nobody: %v", err)
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody, Groups: []uint32{}}}
	} else {
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
	}
	out, err := cmd.CombinedOutput()
	switch {
	case err != nil:
		t.Fatalf("child %s (uid %d): %v\n%s", test, uidOf(cmd), err, out)
	case strings.Contains(string(out), "--- SKIP: "+test):
		conditionUnmet(t, "the child skipped:\n"+string(out))
	case !strings.Contains(string(out), "--- PASS: "+test):
		t.Fatalf("child %s did not report that it passed:\n%s", test, out)
	}
	t.Logf("child %s (uid %d) passed:\n%s", test, uidOf(cmd), out)
}

func uidOf(cmd *exec.Cmd) int {
	if cmd.SysProcAttr != nil && cmd.SysProcAttr.Credential != nil {
		return int(cmd.SysProcAttr.Credential.Uid)
	}
	return os.Geteuid()
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(to, 0o755)
}

// requireUnwritable fails (see conditionUnmet) unless creating a file in dir
// fails.
func requireUnwritable(t testing.TB, dir string) {
	t.Helper()
	f, err := os.CreateTemp(dir, "probe-*")
	if err == nil {
		f.Close()
		os.Remove(f.Name())
		conditionUnmet(t, "this process can still create files in "+filepath.Clean(dir))
	}
}
