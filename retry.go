package drs

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy bounds how a Client repeats calls that failed in a way that may
// pass on a second try: HTTP 429 and 5xx, and connection failures. Calls that
// place orders (Replenish) are repeated only when the first attempt provably
// never reached the server (the connection was refused).
type RetryPolicy struct {
	// MaxAttempts is the most requests one call sends, the first included; 1
	// disables retries.
	MaxAttempts int
	// BaseDelay is the wait before the first retry; it doubles each retry,
	// and each wait is drawn at random from its upper half (jitter).
	BaseDelay time.Duration
	// MaxDelay caps one wait, Retry-After included.
	MaxDelay time.Duration
	// MaxElapsed caps the time spent on one call, waits included; 0 means no cap
	// beyond the context's.
	MaxElapsed time.Duration
}

// DefaultRetryPolicy is the policy a Client uses unless [WithRetryPolicy]
// says otherwise.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 4, BaseDelay: 250 * time.Millisecond, MaxDelay: 10 * time.Second, MaxElapsed: 60 * time.Second}

// withRetry runs attempt until it succeeds, fails for good, or the policy or
// ctx runs out. attempt returns nil on success, else the error and the wait
// the server asked for (Retry-After, 0 if none). safe says whether the call
// may be repeated after it may have reached the server; when false, only
// failures that prove the request never left (see neverSent) are retried.
func (c *Client) withRetry(ctx context.Context, op string, safe bool, attempt func(n int) (*Error, time.Duration)) *Error {
	p := c.retry
	start := time.Now()
	for n := 1; ; n++ {
		e, after := attempt(n)
		if e == nil {
			return nil
		}
		if n >= p.MaxAttempts || !retryable(e, safe) || ctx.Err() != nil {
			return e
		}
		wait, why := p.nextWait(n, after, time.Since(start))
		if why != "" {
			c.debugLog(ctx, "not retrying: "+why, slog.String("op", op), slog.Duration("wait", wait))
			return e
		}
		c.debugLog(ctx, "retrying", slog.String("op", op), slog.Int("attempt", n+1), slog.Int("code", e.Code), slog.Duration("wait", wait))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return e
		case <-t.C:
		}
	}
}

// nextWait returns the wait before retry n+1 (n ≥ 1), given the server's
// Retry-After (0 if none) and the time the call has taken so far; why is
// non-empty when the policy forbids waiting that long. It compares without
// overflow, however large after is.
func (p RetryPolicy) nextWait(n int, after, elapsed time.Duration) (wait time.Duration, why string) {
	wait = max(backoff(p, n), after)
	switch {
	case p.MaxDelay > 0 && wait > p.MaxDelay:
		return wait, "server asks to wait longer than MaxDelay"
	case p.MaxElapsed > 0 && wait > p.MaxElapsed-elapsed:
		return wait, "the wait would pass MaxElapsed"
	}
	return wait, ""
}

// retryable decides whether a failed attempt may be repeated.
func retryable(e *Error, safe bool) bool {
	if e.final || e.Code == CodeAborted {
		return false
	}
	if !safe {
		return e.Err != nil && neverSent(e.Err)
	}
	return e.Temporary()
}

// backoff returns the wait before retry n (n ≥ 1): exponential with full
// jitter, capped by MaxDelay.
func backoff(p RetryPolicy, n int) time.Duration {
	if p.BaseDelay <= 0 {
		return 0
	}
	d := time.Duration(math.MaxInt64)
	if n-1 < 63 && p.BaseDelay <= d>>(n-1) {
		d = p.BaseDelay << (n - 1)
	}
	if p.MaxDelay > 0 && d > p.MaxDelay {
		d = p.MaxDelay
	}
	return d/2 + rand.N(d/2+1)
}

// retryAfter parses a Retry-After header (seconds or an HTTP date); 0 if
// absent or unparseable.
func retryAfter(h string, now time.Time) time.Duration {
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
