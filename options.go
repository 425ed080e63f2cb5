package drs

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/amazondrs/drs/store"
)

// Option configures a Client in [New].
type Option func(*options) error

type options struct {
	httpClient  *http.Client
	endpoints   *Endpoints
	logger      *slog.Logger
	now         func() time.Time
	retry       RetryPolicy
	tokenChange func(Token)
	debug       bool

	store       store.TokenStore
	storeModel  string
	storeSerial string
	storeOpts   storeOptions
}

// WithHTTPClient makes the Client send every request, to DRS and to LWA,
// through hc's transport (and so its connection pool) and within its
// Timeout. The Client uses a shallow copy of hc that never follows a
// redirect, whatever hc's CheckRedirect says, and bounds every attempt by
// [RetryPolicy.AttemptTimeout] even when hc has no Timeout. The default is a
// shared client with a 30 second timeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(o *options) error {
		if hc == nil {
			return errors.New("drs: WithHTTPClient: nil *http.Client")
		}
		o.httpClient = hc
		return nil
	}
}

// WithEndpoints points the Client at e instead of Amazon's North American
// endpoints (see [EUEndpoints], [FEEndpoints], [EmulatorEndpoints]).
func WithEndpoints(e Endpoints) Option {
	return func(o *options) error {
		e.DRS = strings.TrimRight(e.DRS, "/")
		if err := e.validate(); err != nil {
			return err
		}
		o.endpoints = &e
		return nil
	}
}

// WithLogger sends the Client's warnings and errors (a token that could not
// be saved, say) to l, and its debug output too while debug output is on
// (see [WithDebug] and [Client.SetDebug]). Without it the Client is quiet:
// warnings are discarded and debug output goes to stderr; a lost token is
// still reported (see [OnSaveError]). Tokens and the client secret are
// never logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("drs: WithLogger: nil *slog.Logger")
		}
		o.logger = l
		return nil
	}
}

// WithDebug turns debug output on from the start, like the seed's setDebug(true).
func WithDebug(on bool) Option {
	return func(o *options) error { o.debug = on; return nil }
}

// WithClock replaces time.Now for token expiry decisions; tests use it to
// expire tokens without waiting.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return errors.New("drs: WithClock: nil clock")
		}
		o.now = now
		return nil
	}
}

// WithRetryPolicy replaces [DefaultRetryPolicy].
func WithRetryPolicy(p RetryPolicy) Option {
	return func(o *options) error {
		if p.MaxAttempts < 1 {
			return fmt.Errorf("drs: WithRetryPolicy: MaxAttempts is %d, want at least 1", p.MaxAttempts)
		}
		if p.BaseDelay < 0 || p.MaxDelay < 0 || p.MaxElapsed < 0 || p.AttemptTimeout < 0 {
			return errors.New("drs: WithRetryPolicy: negative duration")
		}
		o.retry = p
		return nil
	}
}

// WithTokenChange registers fn to be called, synchronously, every time the
// Client's refresh token changes because of Amazon: a login's code exchange,
// a refresh that returned a different refresh token, or a deregistration
// (which empties it). It is the place to persist the refresh token; see
// package store. fn is not called by [Client.SetRefreshToken].
//
// Calls come one at a time, newest token last: a change made while fn runs
// (by another goroutine, or by fn itself calling the Client) is delivered
// after fn returns, and one that a newer change overtook is skipped.
func WithTokenChange(fn func(Token)) Option {
	return func(o *options) error { o.tokenChange = fn; return nil }
}
