//go:build !linux

package storetest

import "testing"

// ReadOnlyMount skips loudly: mounting a tmpfs is Linux only.
func ReadOnlyMount(t *testing.T) (dir string, readOnly func()) {
	t.Helper()
	t.Skip("!!! a read-only tmpfs mount is Linux only: read-only mount test NOT RUN")
	return "", nil
}
