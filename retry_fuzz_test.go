package drs

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amazondrs/drs/internal/backoff"
)

// FuzzRetryAfter checks the Retry-After parser and the retry wait built on
// it: a wait is never negative, never shorter than what the server asked for,
// and never past MaxDelay or MaxElapsed, however large the numbers (no
// overflow lets a huge Retry-After turn into a short wait).
//
// This file is in package drs (retryAfter and nextWait are unexported), so it
// must not import drssim, which imports drs.
func FuzzRetryAfter(f *testing.F) {
	type seed struct {
		h                                   string
		n                                   uint8
		base, maxDelay, maxElapsed, elapsed int64
	}
	for _, s := range []seed{
		{"1", 1, int64(250 * time.Millisecond), int64(10 * time.Second), int64(time.Minute), 0},
		{"120", 2, int64(time.Millisecond), 0, int64(time.Minute), int64(time.Second)},
		{"18446744074", 1, 0, 0, int64(time.Minute), 0},                                         // wrapped to 290ms before the fix
		{"9300000000", 1, 0, 0, 0, 0},                                                           // wrapped negative
		{"99999999999999999999", 1, 0, 0, int64(time.Minute), 0},                                // out of int64 range
		{"Fri, 31 Dec 9999 23:59:59 GMT", 1, 0, 0, int64(time.Minute), int64(time.Millisecond)}, // saturated + elapsed overflowed
		{"Wed, 21 Oct 2015 07:28:00 GMT", 1, 0, 0, 0, 0},
		{"-1", 1, 1, 1, 1, 1},
		{" 7 ", 63, math.MaxInt64, 0, 0, 0},
		{"", 64, 3, 0, 0, 0},
		{"abc", 200, 5, 0, 0, math.MaxInt64},
	} {
		f.Add(s.h, s.n, s.base, s.maxDelay, s.maxElapsed, s.elapsed)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	abs := func(v int64) time.Duration {
		if v < 0 {
			v = -(v + 1)
		}
		return time.Duration(v)
	}
	f.Fuzz(func(t *testing.T, h string, n uint8, base, maxDelay, maxElapsed, elapsed int64) {
		after := backoff.RetryAfter(h, now)
		if after < 0 {
			t.Fatalf("backoff.RetryAfter(%q) = %v < 0", h, after)
		}
		if s, ok := new(big.Int).SetString(strings.TrimPrefix(strings.TrimSpace(h), "+"), 10); ok && h != "" && s.Sign() >= 0 {
			if _, err := strconv.Atoi(strings.TrimSpace(h)); err == nil || !s.IsInt64() {
				want := new(big.Int).Mul(s, big.NewInt(int64(time.Second)))
				if want.IsInt64() && after != time.Duration(want.Int64()) {
					t.Fatalf("backoff.RetryAfter(%q) = %v, want %v", h, after, time.Duration(want.Int64()))
				}
				if !want.IsInt64() && after != math.MaxInt64 {
					t.Fatalf("backoff.RetryAfter(%q) = %v, want the longest wait", h, after)
				}
			}
		}
		p := RetryPolicy{MaxAttempts: 10, BaseDelay: abs(base), MaxDelay: abs(maxDelay), MaxElapsed: abs(maxElapsed)}
		spent := abs(elapsed)
		wait, why := p.nextWait(int(n)+1, after, spent)
		if why != "" {
			if p.MaxDelay == 0 && p.MaxElapsed == 0 {
				t.Fatalf("%+v refused to wait %v without a cap: %s", p, wait, why)
			}
			return
		}
		switch {
		case wait < 0 || wait < after:
			t.Fatalf("%+v: wait %v for Retry-After %v", p, wait, after)
		case p.MaxDelay > 0 && wait > p.MaxDelay:
			t.Fatalf("%+v: wait %v past MaxDelay", p, wait)
		case p.MaxElapsed > 0 && new(big.Int).Add(big.NewInt(int64(spent)), big.NewInt(int64(wait))).Cmp(big.NewInt(int64(p.MaxElapsed))) > 0:
			t.Fatalf("%+v: wait %v after %v passes MaxElapsed", p, wait, spent)
		}
	})
}
