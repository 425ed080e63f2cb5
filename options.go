package drs

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/amazondrs/drs/store"
)

// Endpoints are the three URLs a Client talks to.
type Endpoints struct {
	// DRS is the base URL of the DRS REST API; endpoint paths are appended to it.
	DRS string
	// AuthURL is the LWA authorization page the customer's browser is sent to.
	AuthURL string
	// TokenURL is the LWA token endpoint.
	TokenURL string
}

// NAEndpoints are Amazon's North American endpoints, the default.
var NAEndpoints = Endpoints{
	DRS:      "https://dash-replenishment-service-na.amazon.com",
	AuthURL:  "https://www.amazon.com/ap/oa",
	TokenURL: "https://api.amazon.com/auth/o2/token",
}

// EUEndpoints are Amazon's European endpoints. Amazon documents no European
// DRS host, so DRS stays on the North American one; the LWA authorize host is
// inferred from the token host (drs-api.md GAP 2).
var EUEndpoints = Endpoints{
	DRS:      NAEndpoints.DRS,
	AuthURL:  "https://www.amazon.co.uk/ap/oa",
	TokenURL: "https://api.amazon.co.uk/auth/o2/token",
}

// FEEndpoints are Amazon's Far East endpoints, with the same caveats as
// [EUEndpoints].
var FEEndpoints = Endpoints{
	DRS:      NAEndpoints.DRS,
	AuthURL:  "https://www.amazon.co.jp/ap/oa",
	TokenURL: "https://api.amazon.co.jp/auth/o2/token",
}

// EmulatorHostEnv names the environment variable that points every endpoint
// at a local emulator when no endpoint option is given.
const EmulatorHostEnv = "DRS_EMULATOR_HOST"

// EmulatorEndpoints returns the endpoints of an emulator listening on
// hostport (for example "127.0.0.1:8181"): the same paths as Amazon's, on one
// plain-HTTP origin.
func EmulatorEndpoints(hostport string) Endpoints {
	base := "http://" + hostport
	return Endpoints{DRS: base, AuthURL: base + "/ap/oa", TokenURL: base + "/auth/o2/token"}
}

func (e Endpoints) validate() error {
	for _, f := range []struct{ name, v string }{{"DRS", e.DRS}, {"AuthURL", e.AuthURL}, {"TokenURL", e.TokenURL}} {
		u, err := url.Parse(f.v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("drs: endpoint %s %q is not an absolute http(s) URL", f.name, f.v)
		}
	}
	return nil
}

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

// defaultEndpoints returns the emulator's endpoints when $DRS_EMULATOR_HOST
// is set, else Amazon's North American ones. The variable must be a bare
// host:port, as its name says: "http://host:port" would otherwise become the
// host "http:".
func defaultEndpoints() (Endpoints, error) {
	h := strings.TrimSpace(os.Getenv(EmulatorHostEnv))
	if h == "" {
		return NAEndpoints, nil
	}
	if _, port, err := net.SplitHostPort(h); err != nil || port == "" || strings.ContainsAny(h, "/?#@") {
		return Endpoints{}, fmt.Errorf("drs: $%s is %q, want host:port such as 127.0.0.1:8181", EmulatorHostEnv, h)
	}
	ep := EmulatorEndpoints(h)
	if err := ep.validate(); err != nil {
		return Endpoints{}, fmt.Errorf("%w (from $%s)", err, EmulatorHostEnv)
	}
	return ep, nil
}
