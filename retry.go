package drs

import "time"

// RetryPolicy bounds how a Client repeats calls that failed in a way that may
// pass on a second try: HTTP 429 and 5xx, and connection failures. Calls that
// place orders (Replenish) are repeated only when the first attempt provably
// never reached the server (the connection was refused).
type RetryPolicy struct {
	// MaxAttempts is the most requests one call sends, the first included; 1
	// disables retries.
	MaxAttempts int
	// BaseDelay is the wait before the first retry; it doubles each retry,
	// with full jitter.
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
