// Package testutil holds small helpers the module's tests share: a buffer
// safe for a goroutine writing while the test reads, and token stores that
// fail on purpose. It is imported by tests only.
package testutil

import (
	"bytes"
	"context"
	"errors"
	"sync"

	"github.com/amazondrs/drs/store"
)

// SyncBuffer is a bytes.Buffer safe for concurrent writes and reads (a
// logger or a command writing while the test reads).
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// FlakyStore is a memory store whose first Fails saves fail with "disk
// full".
type FlakyStore struct {
	*store.MemoryStore
	mu    sync.Mutex
	Fails int
}

// NewFlakyStore returns a FlakyStore whose first fails saves fail.
func NewFlakyStore(fails int) *FlakyStore {
	return &FlakyStore{MemoryStore: store.Memory(), Fails: fails}
}

// Save fails while Fails is above 0, counting down, then saves.
func (f *FlakyStore) Save(ctx context.Context, k store.Key, rt string) error {
	f.mu.Lock()
	fail := f.Fails > 0
	f.Fails--
	f.mu.Unlock()
	if fail {
		return errors.New("disk full")
	}
	return f.MemoryStore.Save(ctx, k, rt)
}
