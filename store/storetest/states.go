package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/amazondrs/drs/store"
)

// RunStates runs the StateStore conformance suite against stores made by
// open, which is called once per subtest and must return an empty store.
func RunStates(t *testing.T, open func(t *testing.T) store.StateStore) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, ss store.StateStore)
	}{
		{"RoundTrip", testStateRoundTrip},
		{"Missing", testStateMissing},
		{"Expired", testStateExpired},
		{"Replace", testStateReplace},
		{"Invalid", testStateInvalid},
		{"SingleUseConcurrent", testStateSingleUse},
		{"PrunedOnPut", testStatePrunedOnPut},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

// stateClock returns the wall clock truncated to microseconds, so that
// every store (PostgreSQL keeps microseconds) returns exactly what it was
// given. The tests take it once each: PutState drops states that expired
// by the wall clock, so a test's states must be valid by it.
func stateClock() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// TestState returns a valid LoginState for key i of t, expiring ttl after now.
func TestState(t testing.TB, i int, now time.Time, ttl time.Duration) store.LoginState {
	return store.LoginState{
		Key:         TestKey(t, i),
		TestDevice:  i%2 == 0,
		NonLive:     i%3 == 0,
		RedirectURL: fmt.Sprintf("http://127.0.0.1:%d/callback", 8000+i),
		Verifier:    fmt.Sprintf("verifier-%d-%s", i, strings.Repeat("v", 43)),
		Link:        fmt.Sprintf("link-%d", i),
		Expires:     now.Add(ttl),
	}
}

func stateName(t testing.TB, i int) string { return fmt.Sprintf("state-%s-%d", t.Name(), i) }

func mustPut(t testing.TB, ss store.StateStore, name string, s store.LoginState) {
	t.Helper()
	if err := ss.PutState(context.Background(), name, s); err != nil {
		t.Fatalf("PutState: %v", err)
	}
}

func wantStateGone(t testing.TB, ss store.StateStore, name string, now time.Time) {
	t.Helper()
	got, err := ss.TakeState(context.Background(), name, now)
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("TakeState = %+v, %v; want an error wrapping store.ErrNotFound", got, err)
	}
}

func equalState(a, b store.LoginState) bool {
	return a.Key == b.Key && a.TestDevice == b.TestDevice && a.NonLive == b.NonLive &&
		a.RedirectURL == b.RedirectURL && a.Verifier == b.Verifier && a.Link == b.Link && a.Expires.Equal(b.Expires)
}

func testStateRoundTrip(t *testing.T, ss store.StateStore) {
	stateNow := stateClock()
	for i := range 4 {
		mustPut(t, ss, stateName(t, i), TestState(t, i, stateNow, 10*time.Minute))
	}
	for i := range 4 {
		want := TestState(t, i, stateNow, 10*time.Minute)
		got, err := ss.TakeState(context.Background(), stateName(t, i), stateNow)
		if err != nil {
			t.Fatalf("TakeState(%d): %v", i, err)
		}
		if !equalState(got, want) {
			t.Fatalf("TakeState(%d) = %+v, want %+v", i, got, want)
		}
		wantStateGone(t, ss, stateName(t, i), stateNow)
	}
}

func testStateMissing(t *testing.T, ss store.StateStore) {
	stateNow := stateClock()
	wantStateGone(t, ss, stateName(t, 1), stateNow)
}

func testStateExpired(t *testing.T, ss store.StateStore) {
	stateNow := stateClock()
	mustPut(t, ss, stateName(t, 1), TestState(t, 1, stateNow, -time.Second))
	wantStateGone(t, ss, stateName(t, 1), stateNow)
	// A state is refused at the instant it expires.
	mustPut(t, ss, stateName(t, 2), TestState(t, 2, stateNow, time.Minute))
	wantStateGone(t, ss, stateName(t, 2), stateNow.Add(time.Minute))
	// Once refused for expiry, it is gone for good.
	wantStateGone(t, ss, stateName(t, 2), stateNow)
}

func testStateReplace(t *testing.T, ss store.StateStore) {
	stateNow := stateClock()
	mustPut(t, ss, stateName(t, 1), TestState(t, 1, stateNow, time.Minute))
	want := TestState(t, 2, stateNow, 2*time.Minute)
	mustPut(t, ss, stateName(t, 1), want)
	got, err := ss.TakeState(context.Background(), stateName(t, 1), stateNow)
	if err != nil || !equalState(got, want) {
		t.Fatalf("TakeState = %+v, %v; want %+v", got, err, want)
	}
}

func testStateInvalid(t *testing.T, ss store.StateStore) {
	stateNow := stateClock()
	ctx := context.Background()
	good := TestState(t, 1, stateNow, time.Minute)
	if err := ss.PutState(ctx, "", good); err == nil {
		t.Error(`PutState("") = nil, want an error`)
	}
	noKey := good
	noKey.Key.Serial = ""
	if err := ss.PutState(ctx, stateName(t, 1), noKey); err == nil {
		t.Error("PutState with an invalid key = nil, want an error")
	}
	noExpiry := good
	noExpiry.Expires = time.Time{}
	if err := ss.PutState(ctx, stateName(t, 2), noExpiry); err == nil {
		t.Error("PutState with a zero Expires = nil, want an error")
	}
}

// testStateSingleUse has 20 goroutines take the same state at once: exactly
// one gets it, the others get ErrNotFound.
func testStateSingleUse(t *testing.T, ss store.StateStore) {
	stateNow := stateClock()
	const n = 20
	want := TestState(t, 1, stateNow, time.Minute)
	mustPut(t, ss, stateName(t, 1), want)
	var wins, misses atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			got, err := ss.TakeState(context.Background(), stateName(t, 1), stateNow)
			switch {
			case err == nil:
				wins.Add(1)
				if !equalState(got, want) {
					t.Errorf("TakeState = %+v, want %+v", got, want)
				}
			case errors.Is(err, store.ErrNotFound):
				misses.Add(1)
			default:
				t.Errorf("TakeState: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 || misses.Load() != n-1 {
		t.Fatalf("%d takes succeeded and %d found nothing; want 1 and %d", wins.Load(), misses.Load(), n-1)
	}
}

// testStatePrunedOnPut checks that PutState drops the states that expired
// by the wall clock, though nobody takes them: a TakeState at a clock from
// before their expiry no longer finds them. The state being put is kept
// even if it is already expired by the wall clock.
func testStatePrunedOnPut(t *testing.T, ss store.StateStore) {
	now := stateClock()
	past := now.Add(-time.Hour)
	mustPut(t, ss, stateName(t, 1), TestState(t, 1, now, -time.Minute))
	mustPut(t, ss, stateName(t, 2), TestState(t, 2, now, -time.Minute))
	mustPut(t, ss, stateName(t, 3), TestState(t, 3, now, 10*time.Minute))
	for _, i := range []int{1, 2} {
		if got, err := ss.TakeState(context.Background(), stateName(t, i), past); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("TakeState of state %d, expired before the next PutState = %+v, %v; want it dropped (ErrNotFound)", i, got, err)
		}
	}
	if _, err := ss.TakeState(context.Background(), stateName(t, 3), now); err != nil {
		t.Errorf("TakeState of the valid state: %v", err)
	}
	want := TestState(t, 4, now, -time.Minute)
	mustPut(t, ss, stateName(t, 4), want)
	if got, err := ss.TakeState(context.Background(), stateName(t, 4), past); err != nil || !equalState(got, want) {
		t.Errorf("TakeState of the state just put (expired by the wall clock) = %+v, %v; want it kept", got, err)
	}
}
