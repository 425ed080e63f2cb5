package drs

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/amazondrs/drs/internal/transport"
)

// TestShouldRetry is the table of the Client's one retry decision.
func TestShouldRetry(t *testing.T) {
	p := RetryPolicy{MaxAttempts: 3}
	refused := &url.Error{Op: "Post", URL: "https://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
	noHost := &url.Error{Op: "Post", URL: "https://x", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}}
	reset := &url.Error{Op: "Post", URL: "https://x", Err: &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}}
	invalidToken := &Error{Code: 400, StatusCode: 400, ErrorType: "InvalidTokenException", Message: "Invalid token"}
	failed := func(err error) *Error { return &Error{Code: transport.Code(err), Err: err} }
	status := func(code int) *Error { return &Error{Code: code, StatusCode: code} }
	for _, tc := range []struct {
		name string
		op   operation
		t    tries
		e    *Error
		want decision
	}{
		{"cancelled", opSlotStatus, tries{n: 1}, failed(context.Canceled),
			decision{reason: "the call was cancelled"}},
		{"invalid token: refresh once", opReplenish, tries{n: 1}, invalidToken,
			decision{retry: true, refresh: true, reason: "DRS refused the access token: refresh once and resend"}},
		{"invalid token even past MaxAttempts", opSlotStatus, tries{n: 3}, invalidToken,
			decision{retry: true, refresh: true, reason: "DRS refused the access token: refresh once and resend"}},
		{"invalid token twice", opReplenish, tries{n: 1, refreshed: true}, invalidToken,
			decision{reason: "DRS refused a freshly refreshed access token"}},
		{"LWA 400 is not DRS's invalid token", opRefresh, tries{n: 1}, &Error{Code: 400, StatusCode: 400, Message: "Invalid token"},
			decision{reason: "not a temporary failure (code 400, HTTP 400)"}},
		{"refresh failure inside a DRS call", opSlotStatus, tries{n: 1}, &Error{Op: "RefreshToken", Code: 503, StatusCode: 503},
			decision{reason: "getting an access token failed (a refresh makes its own retries)"}},
		{"out of attempts", opSlotStatus, tries{n: 3}, status(503),
			decision{reason: "MaxAttempts reached"}},
		{"503 retried", opSlotStatus, tries{n: 1}, status(503),
			decision{retry: true, reason: "temporary failure (code 503, HTTP 503)"}},
		{"429 retried", opOrderInfo, tries{n: 2}, status(429),
			decision{retry: true, reason: "temporary failure (code 429, HTTP 429)"}},
		{"404 not retried", opOrderInfo, tries{n: 1}, status(404),
			decision{reason: "not a temporary failure (code 404, HTTP 404)"}},
		{"307 not retried", opSlotStatus, tries{n: 1}, status(307),
			decision{reason: "not a temporary failure (code 307, HTTP 307)"}},
		{"reset retried when safe", opDeviceStatus, tries{n: 1}, failed(reset),
			decision{retry: true, reason: "temporary failure (code 56)"}},
		{"Replenish: connection refused is resent", opReplenish, tries{n: 1}, failed(refused),
			decision{retry: true, reason: "the request never reached the server (code 7)"}},
		{"Replenish: unknown host is resent", opReplenish, tries{n: 1}, failed(noHost),
			decision{retry: true, reason: "the request never reached the server (code 6)"}},
		{"Replenish: reset is not", opReplenish, tries{n: 1}, failed(reset),
			decision{reason: "the request may have reached the server; Replenish is never sent twice (code 56)"}},
		{"Replenish: 503 is not", opReplenish, tries{n: 1}, status(503),
			decision{reason: "the request may have reached the server; Replenish is never sent twice (code 503, HTTP 503)"}},
		{"Replenish: timeout is not", opReplenish, tries{n: 1}, failed(context.DeadlineExceeded),
			decision{reason: "the request may have reached the server; Replenish is never sent twice (code 28)"}},
		{"Replenish: empty reply is not", opReplenish, tries{n: 1}, failed(io.EOF),
			decision{reason: "the request may have reached the server; Replenish is never sent twice (code 52)"}},
		{"Replenish: refused, out of attempts", opReplenish, tries{n: 3}, failed(refused),
			decision{reason: "MaxAttempts reached"}},
		{"exchange: refused is resent", opExchange, tries{n: 1}, failed(refused),
			decision{retry: true, reason: "the request never reached the server (code 7)"}},
		{"exchange: 500 is not", opExchange, tries{n: 1}, status(500),
			decision{reason: "the request may have reached the server; Exchange is never sent twice (code 500, HTTP 500)"}},
		{"refresh: 500 retried", opRefresh, tries{n: 1}, status(500),
			decision{retry: true, reason: "temporary failure (code 500, HTTP 500)"}},
		{"body too large", opSlotStatus, tries{n: 1}, failed(transport.ErrBodyTooLarge),
			decision{reason: "not a temporary failure (code 63)"}},
		{"general error", opSlotStatus, tries{n: 1}, &Error{Code: CodeGeneral, Message: "not JSON"},
			decision{reason: "not a temporary failure (code 1010)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := shouldRetry(tc.op, p, tc.t, tc.e)
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(decision{})); diff != "" {
				t.Errorf("shouldRetry (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRetryCallCountsAttempts runs the loop with a scripted attempt: the
// policy's MaxAttempts bounds the failures, the "Invalid token" resend does
// not count, and a stop returns the last failure.
func TestRetryCallCountsAttempts(t *testing.T) {
	c := &Client{retry: RetryPolicy{MaxAttempts: 2}, hc: &http.Client{}}
	invalid := &Error{Code: 400, StatusCode: 400, ErrorType: "InvalidTokenException"}
	script := []*Error{invalid, {Code: 503, StatusCode: 503}, {Code: 502, StatusCode: 502}, nil}
	n := 0
	_, e := retryCall(t.Context(), c, opSlotStatus, func(context.Context, budget) (int, time.Duration, *Error) {
		e := script[n]
		n++
		return n, 0, e
	})
	if n != 3 || e == nil || e.Code != 502 {
		t.Fatalf("attempts = %d, error %v; want 3 attempts ending in the 502", n, e)
	}
}

// TestRetryCallStopsWhenContextEnds: a retryable failure after the call's
// context ended is returned, not retried.
func TestRetryCallStopsWhenContextEnds(t *testing.T) {
	c := &Client{retry: RetryPolicy{MaxAttempts: 5}, hc: &http.Client{}}
	ctx, cancel := context.WithCancel(t.Context())
	n := 0
	_, e := retryCall(ctx, c, opSlotStatus, func(context.Context, budget) (int, time.Duration, *Error) {
		n++
		cancel()
		return 0, 0, &Error{Code: 503, StatusCode: 503}
	})
	if n != 1 || e == nil || !errors.Is(e, ErrHTTP) {
		t.Fatalf("attempts = %d, error %v; want 1 attempt", n, e)
	}
}
