package drs

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/amazondrs/drs/internal/backoff"
	"github.com/amazondrs/drs/internal/transport"
)

// RetryPolicy bounds how long one call may take and how a Client repeats
// calls that failed in a way that may pass on a second try: HTTP 429 and
// 5xx, and transport failures. Calls that place orders (Replenish) are
// repeated only when the first attempt provably never reached the server
// (see [Client.Replenish]).
type RetryPolicy struct {
	// MaxAttempts is the most requests one call sends, the first included; 1
	// disables retries. The one resend after DRS refuses an access token
	// ("Invalid token") does not count: it follows a refresh, not a failure.
	MaxAttempts int
	// BaseDelay is the wait before the first retry; it doubles each retry,
	// and each wait is drawn at random from its upper half (jitter).
	BaseDelay time.Duration
	// MaxDelay caps one wait: backoff is cut to it, and a Retry-After longer
	// than it ends the call instead of waiting. With MaxDelay and MaxElapsed
	// both 0, a Retry-After is waited for however long it is (within ctx).
	MaxDelay time.Duration
	// MaxElapsed caps the time one call takes, from its start to its
	// return: attempts in flight, waits between them and the wait for a
	// shared token refresh. 0 means no cap beyond the context's.
	MaxElapsed time.Duration
	// AttemptTimeout caps one attempt: the round trip and the reading of the
	// response body. 0 means DefaultAttemptTimeout. It holds whatever the
	// caller's http.Client says, so a client without a Timeout cannot make
	// a call hang.
	AttemptTimeout time.Duration
}

// DefaultAttemptTimeout is the [RetryPolicy.AttemptTimeout] used when the
// policy leaves it 0.
const DefaultAttemptTimeout = 30 * time.Second

// DefaultRetryPolicy is the policy a Client uses unless [WithRetryPolicy]
// says otherwise.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 4, BaseDelay: 250 * time.Millisecond, MaxDelay: 10 * time.Second,
	MaxElapsed: 60 * time.Second, AttemptTimeout: DefaultAttemptTimeout}

func (p RetryPolicy) attemptTimeout() time.Duration {
	if p.AttemptTimeout > 0 {
		return p.AttemptTimeout
	}
	return DefaultAttemptTimeout
}

// budget is the time one call may take: the deadline MaxElapsed sets from
// the call's start (zero when there is none). It is a value rather than a
// context so the common path (a cached token, one attempt) costs one timer.
type budget struct {
	deadline time.Time
	timeout  time.Duration // AttemptTimeout
	// clientTimeout is the http.Client's Timeout, which bounds a round trip
	// and its body read by itself.
	clientTimeout time.Duration
}

func (p RetryPolicy) newBudget(clientTimeout time.Duration) budget {
	b := budget{timeout: p.attemptTimeout(), clientTimeout: clientTimeout}
	if p.MaxElapsed > 0 {
		b.deadline = time.Now().Add(p.MaxElapsed)
	}
	return b
}

// attempt returns ctx bounded by AttemptTimeout and the call's deadline,
// whichever comes first. When the http.Client's own Timeout already ends
// the attempt in time, ctx is returned as it is: no timer is spent on a
// bound that holds anyway.
func (b budget) attempt(ctx context.Context) (context.Context, context.CancelFunc) {
	now := time.Now()
	if b.clientTimeout > 0 && b.clientTimeout <= b.timeout && (b.deadline.IsZero() || !b.deadline.Before(now.Add(b.clientTimeout))) {
		return ctx, noCancel
	}
	d := now.Add(b.timeout)
	if !b.deadline.IsZero() && b.deadline.Before(d) {
		d = b.deadline
	}
	return context.WithDeadline(ctx, d)
}

func noCancel() {}

// call returns ctx bounded by the call's deadline, for what a call waits for
// outside an attempt (a shared refresh).
func (b budget) call(ctx context.Context) (context.Context, context.CancelFunc) {
	if b.deadline.IsZero() {
		return ctx, noCancel
	}
	return context.WithDeadline(ctx, b.deadline)
}

// done reports why the call's time is up, or "" if it is not.
func (b budget) done(ctx context.Context) string {
	switch {
	case ctx.Err() != nil:
		return "the call's context is done: " + ctx.Err().Error()
	case !b.deadline.IsZero() && !time.Now().Before(b.deadline):
		return "MaxElapsed passed"
	}
	return ""
}

// tries is what a call has done so far, as shouldRetry needs it.
type tries struct {
	n         int  // attempts sent so far that count against MaxAttempts (≥ 1)
	refreshed bool // the one "Invalid token" resend has happened
}

// decision is shouldRetry's verdict on a failed attempt.
type decision struct {
	retry bool
	// refresh: DRS refused the access token; drop it, refresh and resend at
	// once. It does not count against MaxAttempts.
	refresh bool
	reason  string
}

// shouldRetry is the one retry decision of the Client: given the operation,
// the policy, what the call has done so far and the failure e of its last
// attempt, it says whether to send again and why. It is pure; the time
// budget (MaxElapsed, Retry-After) is checked afterwards, by nextWait.
//
// In order: a cancelled call stops; "Invalid token" from DRS is answered by
// one refresh and one resend (DRS refused the request, so nothing happened);
// a call out of attempts stops; a call that is not safe to repeat
// (Replenish, the code exchange) is sent again only when the request
// provably never left; any other call is retried on a temporary failure.
func shouldRetry(op operation, p RetryPolicy, t tries, e *Error) decision {
	switch {
	case e.Code == CodeAborted:
		return decision{reason: "the call was cancelled"}
	case !op.lwa && e.Op == opRefresh.name:
		return decision{reason: "getting an access token failed (a refresh makes its own retries)"}
	case !op.lwa && errors.Is(e, ErrInvalidToken) && !t.refreshed:
		return decision{retry: true, refresh: true, reason: "DRS refused the access token: refresh once and resend"}
	case !op.lwa && errors.Is(e, ErrInvalidToken):
		return decision{reason: "DRS refused a freshly refreshed access token"}
	case t.n >= p.MaxAttempts:
		return decision{reason: "MaxAttempts reached"}
	case !op.idempotent && e.Err != nil && transport.NeverSent(e.Err) && e.Temporary():
		return decision{retry: true, reason: "the request never reached the server (" + e.summary() + ")"}
	case !op.idempotent:
		return decision{reason: "the request may have reached the server; " + op.name + " is never sent twice (" + e.summary() + ")"}
	case e.Temporary():
		return decision{retry: true, reason: "temporary failure (" + e.summary() + ")"}
	}
	return decision{reason: "not a temporary failure (" + e.summary() + ")"}
}

// retryCall runs try until it succeeds or the call must stop: the one loop
// behind every DRS call and every LWA token call. try makes one attempt
// within b and returns its result, the wait the server asked for
// (Retry-After, 0 if none) and its failure. ctx and the policy's
// MaxElapsed bound the whole call.
func retryCall[T any](ctx context.Context, c *Client, op operation, try func(ctx context.Context, b budget) (T, time.Duration, *Error)) (T, *Error) {
	p := c.retry
	start := time.Now()
	b := p.newBudget(c.hc.Timeout)
	t := tries{n: 1}
	for {
		// t.n-1 below is the number of retries so far.
		v, after, e := try(ctx, b)
		if e == nil {
			return v, nil
		}
		d := shouldRetry(op, p, t, e)
		switch {
		case d.refresh:
			t.refreshed = true
		case d.retry:
			t.n++
		}
		var wait time.Duration
		if d.retry && !d.refresh {
			var why string
			if wait, why = p.nextWait(t.n-1, after, time.Since(start)); why != "" {
				d = decision{reason: why}
			}
		}
		if why := b.done(ctx); d.retry && why != "" {
			d = decision{reason: why}
		}
		c.debugLog(ctx, "retry decision", slog.String("op", op.name), slog.Bool("retry", d.retry),
			slog.String("reason", d.reason), slog.Duration("wait", wait))
		if !d.retry {
			return v, e
		}
		if err := sleep(ctx, wait); err != nil {
			return v, e
		}
	}
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// nextWait returns the wait before retry n+1 (n ≥ 1), given the server's
// Retry-After (0 if none) and the time the call has taken so far; why is
// non-empty when the policy forbids waiting that long. It compares without
// overflow, however large after is.
func (p RetryPolicy) nextWait(n int, after, elapsed time.Duration) (wait time.Duration, why string) {
	wait = max(backoff.Delay(p.BaseDelay, p.MaxDelay, n), after)
	switch {
	case p.MaxDelay > 0 && wait > p.MaxDelay:
		return wait, "the server asks to wait longer than MaxDelay"
	case p.MaxElapsed > 0 && wait > p.MaxElapsed-elapsed:
		return wait, "the wait would pass MaxElapsed"
	}
	return wait, ""
}
