package storetest

import (
	"errors"
	"os"
	"syscall"
	"testing"
)

// ReadOnlyMount mounts a new, writable tmpfs on a fresh directory and returns
// the directory and a function that remounts it read-only (so that even root
// cannot write it); the mount goes when t ends. Mounting needs root and the
// right to mount (CAP_SYS_ADMIN): without them the test skips loudly, since
// [RunUnwritableChild] covers an unwritable directory without mounting.
func ReadOnlyMount(t *testing.T) (dir string, readOnly func()) {
	t.Helper()
	dir = t.TempDir()
	if os.Geteuid() != 0 {
		t.Skip("!!! a read-only tmpfs needs root: read-only mount test NOT RUN")
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, "mode=0700,size=16m"); err != nil {
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			t.Skip("!!! mounting a tmpfs is not allowed here: read-only mount test NOT RUN: " + err.Error())
		}
		t.Fatalf("mount tmpfs on %s: %v", dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir, func() {
		t.Helper()
		if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_RDONLY|syscall.MS_NOSUID|syscall.MS_NODEV, ""); err != nil {
			t.Fatalf("remount %s read-only: %v", dir, err)
		}
		requireUnwritable(t, dir)
	}
}
