package login_test

import (
	"context"
	"sync"
	"time"

	"github.com/amazondrs/drs/store"
)

// countingStates is a StateStore that counts the states it holds.
type countingStates struct {
	store.StateStore
	mu   sync.Mutex
	live map[string]bool
}

func newCountingStates() *countingStates {
	return &countingStates{StateStore: store.Memory(), live: map[string]bool{}}
}

func (s *countingStates) PutState(ctx context.Context, id string, ls store.LoginState) error {
	s.mu.Lock()
	s.live[id] = true
	s.mu.Unlock()
	return s.StateStore.PutState(ctx, id, ls)
}

func (s *countingStates) TakeState(ctx context.Context, id string, now time.Time) (store.LoginState, error) {
	s.mu.Lock()
	delete(s.live, id)
	s.mu.Unlock()
	return s.StateStore.TakeState(ctx, id, now)
}

func (s *countingStates) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.live)
}
