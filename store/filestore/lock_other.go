//go:build !unix

package filestore

import "context"

// lockFile is a no-op where flock(2) is missing: only writers within one
// process (serialised by Store.mu) are safe there.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	return func() {}, nil
}

// syncDir does nothing where directories cannot be fsynced.
func syncDir(dir string) error { return nil }
