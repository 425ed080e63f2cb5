// Package backoff computes retry waits: exponential backoff with jitter and
// the Retry-After header, without overflow however large the numbers.
package backoff

import (
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Delay returns the wait before retry n (n ≥ 1): base doubled n-1 times,
// capped by maxDelay (when > 0), with full jitter over its upper half.
func Delay(base, maxDelay time.Duration, n int) time.Duration {
	if base <= 0 {
		return 0
	}
	d := time.Duration(math.MaxInt64)
	if n-1 < 63 && base <= d>>(n-1) {
		d = base << (n - 1)
	}
	if maxDelay > 0 && d > maxDelay {
		d = maxDelay
	}
	return d/2 + rand.N(d/2+1)
}

// RetryAfter parses a Retry-After header (seconds or an HTTP date, measured
// from now); 0 if absent or unparseable, math.MaxInt64 if it would overflow.
func RetryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(h)); err == nil || errors.Is(err, strconv.ErrRange) {
		switch {
		case s < 0:
			return 0
		case s > int(math.MaxInt64/time.Second): // would overflow: as good as forever
			return math.MaxInt64
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
