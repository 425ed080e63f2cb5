package login_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/login"
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

// TestStateNeverOutlivesItsLogin: an attempt started late in an in-process
// login gets a state that expires when the login is abandoned (2×StateTTL
// after Start), not StateTTL later; at that point no attempt starts.
func TestStateNeverOutlivesItsLogin(t *testing.T) {
	clk := newClock()
	states := store.Memory()
	h, err := login.New(login.Config{RedirectURL: "http://127.0.0.1:8182/callback", Now: clk.Now, StateTTL: 10 * time.Minute, States: states})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := drs.New("id", "secret")
	started := clk.Now()
	start(t, h, c, drs.Device{Model: "M", Serial: "S"}, nil)
	clk.advance(15 * time.Minute)
	u, err := h.AuthURL(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	pu, _ := url.Parse(u)
	id, _, _ := strings.Cut(pu.Query().Get("state"), ".")
	if ls, err := states.TakeState(t.Context(), id, started.Add(20*time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("state from minute 15 at minute 20 (the login abandoned): %+v, %v; want expired", ls, err)
	}
	clk.advance(5 * time.Minute)
	if _, err := h.AuthURL(t.Context(), c); err == nil {
		t.Error("AuthURL at the end of the login handed out a state")
	}
}
