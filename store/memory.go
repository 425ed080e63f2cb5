package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// MemoryStore is a [TokenStore] and [StateStore] that keeps everything in
// memory, behind one mutex. It suits tests and a single-process agent that
// can afford to lose its tokens on exit. The zero value is not usable; call
// [Memory].
type MemoryStore struct {
	mu     sync.Mutex
	tokens map[Key]string
	states map[string]LoginState
}

// Memory returns an empty [MemoryStore].
func Memory() *MemoryStore {
	return &MemoryStore{tokens: make(map[Key]string), states: make(map[string]LoginState)}
}

// String returns "memory store", the name its errors start with.
func (m *MemoryStore) String() string { return "memory store" }

func memErr(op string, k Key, err error) error {
	return fmt.Errorf("memory store: %s key %q: %w", op, k.String(), err)
}

// Load returns the refresh token saved under k, or an error wrapping
// [ErrNotFound].
func (m *MemoryStore) Load(ctx context.Context, k Key) (string, error) {
	if err := k.Validate(); err != nil {
		return "", memErr("load", k, err)
	}
	if err := ctx.Err(); err != nil {
		return "", memErr("load", k, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	rt, ok := m.tokens[k]
	if !ok {
		return "", memErr("load", k, ErrNotFound)
	}
	return rt, nil
}

// Save stores refreshToken under k, replacing what was there.
func (m *MemoryStore) Save(ctx context.Context, k Key, refreshToken string) error {
	if err := k.Validate(); err != nil {
		return memErr("save", k, err)
	}
	if refreshToken == "" {
		return memErr("save", k, errors.New("empty refresh token (use Delete)"))
	}
	if err := ctx.Err(); err != nil {
		return memErr("save", k, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokens[k] = refreshToken
	return nil
}

// Delete removes k; deleting a missing key is not an error.
func (m *MemoryStore) Delete(ctx context.Context, k Key) error {
	if err := k.Validate(); err != nil {
		return memErr("delete", k, err)
	}
	if err := ctx.Err(); err != nil {
		return memErr("delete", k, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.tokens, k)
	return nil
}

// PutState stores s under state, replacing any state of the same name.
// States that expired by the wall clock are dropped on the way.
func (m *MemoryStore) PutState(ctx context.Context, state string, s LoginState) error {
	if state == "" {
		return errors.New("memory store: put state: empty state")
	}
	if err := s.Validate(); err != nil {
		return fmt.Errorf("memory store: put state: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory store: put state: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	for name, other := range m.states {
		if other.Expired(now) {
			delete(m.states, name)
		}
	}
	m.states[state] = s
	return nil
}

// TakeState returns and deletes the state stored under state; a missing or
// expired one is an error wrapping [ErrNotFound]. Expired states are dropped
// on the way.
func (m *MemoryStore) TakeState(ctx context.Context, state string, now time.Time) (LoginState, error) {
	if err := ctx.Err(); err != nil {
		return LoginState{}, fmt.Errorf("memory store: take state: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.states[state]
	delete(m.states, state)
	for name, other := range m.states {
		if other.Expired(now) {
			delete(m.states, name)
		}
	}
	if !ok {
		return LoginState{}, fmt.Errorf("memory store: take state: %w", ErrNotFound)
	}
	if s.Expired(now) {
		return LoginState{}, fmt.Errorf("memory store: take state: expired at %s: %w", s.Expires.UTC().Format(time.RFC3339), ErrNotFound)
	}
	return s, nil
}
