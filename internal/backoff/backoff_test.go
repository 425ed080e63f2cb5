package backoff

import (
	"math"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		h    string
		want time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{" 7 ", 7 * time.Second},
		{"-1", 0},
		{"abc", 0},
		{"99999999999999999999", math.MaxInt64},
		{"Thu, 01 Jan 2026 00:01:00 GMT", time.Minute},
		{"Wed, 31 Dec 2025 23:59:00 GMT", 0}, // in the past
	} {
		if got := RetryAfter(tc.h, now); got != tc.want {
			t.Errorf("RetryAfter(%q) = %v, want %v", tc.h, got, tc.want)
		}
	}
}

func TestDelay(t *testing.T) {
	for _, tc := range []struct {
		base, maxDelay time.Duration
		n              int
		lo, hi         time.Duration
	}{
		{0, 0, 1, 0, 0},
		{100 * time.Millisecond, 0, 1, 50 * time.Millisecond, 100 * time.Millisecond},
		{100 * time.Millisecond, 0, 3, 200 * time.Millisecond, 400 * time.Millisecond},
		{100 * time.Millisecond, 300 * time.Millisecond, 5, 150 * time.Millisecond, 300 * time.Millisecond},
		{time.Hour, 0, 200, math.MaxInt64 / 2, math.MaxInt64}, // no overflow
	} {
		for range 20 {
			if got := Delay(tc.base, tc.maxDelay, tc.n); got < tc.lo || got > tc.hi {
				t.Errorf("Delay(%v, %v, %d) = %v, want in [%v, %v]", tc.base, tc.maxDelay, tc.n, got, tc.lo, tc.hi)
			}
		}
	}
}
