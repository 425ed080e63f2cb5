//go:build !unix

package storetest

import "testing"

// SharedDir returns an empty directory, removed when t ends.
func SharedDir(t *testing.T) string { return t.TempDir() }

// UnwritableChildDir returns "": there are no unprivileged children here.
func UnwritableChildDir(t *testing.T) string { return "" }

// RunUnwritableChild cannot start an unprivileged child on this system: it
// fails under CI and skips loudly elsewhere.
func RunUnwritableChild(t *testing.T, dir, test string) {
	t.Helper()
	conditionUnmet(t, "no unprivileged child process on this system")
}
