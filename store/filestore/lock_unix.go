//go:build unix

package filestore

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
)

// oNoFollow makes an open fail on a symbolic link instead of following it.
const oNoFollow = syscall.O_NOFOLLOW

// readOnlyFS reports whether err says the filesystem is mounted read-only.
func readOnlyFS(err error) bool { return errors.Is(err, syscall.EROFS) }

// lockFile takes an exclusive flock(2) on the file at path (created 0600 if
// missing, never through a symbolic link), waiting while another process (or
// another Store in this one) holds it, until ctx is done.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	f, err := openNoFollow(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	fd := int(f.Fd())
	release := func() {
		syscall.Flock(fd, syscall.LOCK_UN)
		f.Close()
	}
	if ctx.Done() == nil { // cannot be canceled: simply block
		if err := flockRetry(fd, syscall.LOCK_EX); err != nil {
			f.Close()
			return nil, err
		}
		return release, nil
	}
	for delay := 500 * time.Microsecond; ; delay = min(2*delay, 20*time.Millisecond) {
		err := flockRetry(fd, syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return release, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

func flockRetry(fd, how int) error {
	for {
		err := syscall.Flock(fd, how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// syncDir fsyncs the directory so a rename in it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
