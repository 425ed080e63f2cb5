//go:build !unix

package filestore

import (
	"context"
	"errors"
	"time"

	"github.com/gofrs/flock"
)

// oNoFollow is 0 where open has no such flag: openNoFollow checks for a link
// with Lstat before opening instead.
const oNoFollow = 0

// readOnlyFS reports false: here a read-only filesystem is reported as a
// permission error, which callers check too.
func readOnlyFS(error) bool { return false }

// lockFile takes an exclusive lock on the file at path through
// github.com/gofrs/flock (LockFileEx on Windows), waiting while another
// process holds it, until ctx is done. Where the system has no file locks
// (plan9, js/wasm, wasip1) it locks nothing: only writers within one process,
// serialised by Store.mu, are safe there, as the package documentation says.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	if err := linkError(path); err != nil {
		return nil, err
	}
	l := flock.New(path, flock.SetPermissions(0o600))
	if ctx.Done() == nil {
		err = l.Lock()
	} else {
		_, err = l.TryLockContext(ctx, 5*time.Millisecond)
	}
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		return func() {}, nil
	case err != nil:
		return nil, err
	}
	return func() { l.Unlock() }, nil
}

// syncDir does nothing where directories cannot be fsynced.
func syncDir(dir string) error { return nil }
