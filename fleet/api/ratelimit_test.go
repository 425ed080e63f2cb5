package api

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestClientAddr(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ remote, want string }{
		{"192.0.2.7:4242", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:4242", "192.0.2.7"},
		{"[2001:db8:1:2:aaaa::1]:4242", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff:ffff:ffff:ffff]:1", "2001:db8:1:2::/64"},
		{"[2001:db8:1:3::1]:1", "2001:db8:1:3::/64"},
		{"[fe80::1%eth0]:1", "fe80::/64"},
		{"not an address", "not an address"},
	} {
		if got := clientAddr(&http.Request{RemoteAddr: tt.remote}); got != tt.want {
			t.Errorf("clientAddr(%q) = %q, want %q", tt.remote, got, tt.want)
		}
	}
}

// TestLimitersBounded floods a limiter with many more keys than its cap:
// it keeps at most the cap, the most recently used ones, and a key in use
// keeps its (empty) bucket through the flood.
func TestLimitersBounded(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	l := newLimiters(0.001, 2, func() time.Time { return now })
	l.max = 50
	for range 2 {
		l.allow("attacker")
	}
	for i := range 10 * l.max {
		l.allow(fmt.Sprintf("flood-%d", i))
		if l.allow("attacker") {
			t.Fatalf("after %d flood keys, the attacker's empty bucket allowed a request", i+1)
		}
		if n := l.len(); n > l.max || n != l.lru.Len() {
			t.Fatalf("after %d flood keys: %d buckets (list %d), cap %d", i+1, n, l.lru.Len(), l.max)
		}
	}
	// The least recently used went first: flood-0 starts afresh, the
	// newest flood keys kept their buckets (burst 2, one token taken).
	first, second := l.allow("flood-0"), l.allow("flood-0")
	if !first || !second {
		t.Error("flood-0 was not dropped")
	}
	last := fmt.Sprintf("flood-%d", 10*l.max-1)
	if !l.allow(last) || l.allow(last) {
		t.Errorf("%s lost its bucket", last)
	}
}
