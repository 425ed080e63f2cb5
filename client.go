package drs

import (
	"errors"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"

	"github.com/amazondrs/drs/internal/transport"
)

// Client talks to DRS and LWA for one device. It is safe for concurrent use;
// concurrent calls share one cached access token and at most one refresh runs
// at a time.
type Client struct {
	oauth     *oauth2.Config
	endpoints Endpoints
	hc        *http.Client // DRS calls; never follows redirects
	tokenHC   *http.Client // LWA calls, through transport.BufferingTransport; never follows redirects
	now       func() time.Time
	retry     RetryPolicy
	onChange  func(Token) error

	logger *slog.Logger // from WithLogger; nil: errors are discarded, debug goes to stderr
	debug  atomic.Bool

	mu  sync.Mutex
	tok Token

	// The change hook's mailbox (see notify), guarded by mu.
	hookNext Token // the newest change not yet delivered
	hookHas  bool  // hookNext holds a change
	hookBusy bool  // a goroutine is delivering changes

	refreshes singleflight.Group
}

// stderrLogger is where debug output goes when debug output is on and no
// WithLogger was given, like the seed's server.log.
var stderrLogger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))

// defaultHTTPClient is shared by every Client that is not given its own, so
// thousands of clients share one connection pool; it already refuses
// redirects, so a Client made without WithHTTPClient allocates no copy.
var defaultHTTPClient = noRedirects(&http.Client{Timeout: DefaultAttemptTimeout})

// noRedirects returns a shallow copy of hc (sharing its transport, so its
// connection pool) that never follows a redirect: Do returns the 3xx itself,
// which the Client turns into an error. Credentials (the bearer token, the
// client secret, the refresh token or code) so only ever go to the
// configured endpoints, and a 307 loop cannot resend an order.
func noRedirects(hc *http.Client) *http.Client {
	cp := *hc
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// New returns a Client for the LWA security profile clientID/clientSecret.
// Empty or blank credentials are an error. The Client has no token yet: call
// [Client.SetRefreshToken] or link the device with the login flow.
func New(clientID, clientSecret string, opts ...Option) (*Client, error) {
	switch {
	case strings.TrimSpace(clientID) == "":
		return nil, &Error{Code: CodeGeneral, Op: "New", Message: "client ID is empty"}
	case strings.TrimSpace(clientSecret) == "":
		return nil, &Error{Code: CodeGeneral, Op: "New", Message: "client secret is empty"}
	case clientID != strings.TrimSpace(clientID):
		return nil, &Error{Code: CodeGeneral, Op: "New", Message: "client ID has leading or trailing white space"}
	case clientSecret != strings.TrimSpace(clientSecret):
		return nil, &Error{Code: CodeGeneral, Op: "New", Message: "client secret has leading or trailing white space"}
	}
	o := options{httpClient: defaultHTTPClient, now: time.Now, retry: DefaultRetryPolicy}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return nil, &Error{Code: CodeGeneral, Op: "New", Message: err.Error()}
		}
	}
	var ep Endpoints
	if o.endpoints != nil {
		ep = *o.endpoints // validated by WithEndpoints
	} else {
		var err error
		if ep, err = defaultEndpoints(); err != nil {
			return nil, &Error{Code: CodeGeneral, Op: "New", Message: err.Error()}
		}
	}
	ep.DRS = strings.TrimRight(ep.DRS, "/")
	hc := defaultHTTPClient
	if o.httpClient != defaultHTTPClient {
		hc = noRedirects(o.httpClient)
	}
	c := &Client{
		oauth: &oauth2.Config{
			ClientID:     clientID,
			ClientSecret: clientSecret,
			Endpoint:     oauth2.Endpoint{AuthURL: ep.AuthURL, TokenURL: ep.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
			Scopes:       []string{Scope},
		},
		endpoints: ep,
		hc:        hc,
		tokenHC:   transport.BufferedClient(hc),
		now:       o.now,
		retry:     o.retry,
		logger:    o.logger,
	}
	c.debug.Store(o.debug)
	if fn := o.tokenChange; fn != nil {
		c.onChange = func(t Token) error { fn(t); return nil }
	}
	if o.store != nil {
		if err := c.bindStore(&o); err != nil {
			return nil, &Error{Code: CodeGeneral, Op: "New", Message: err.Error(), Err: err}
		}
	}
	return c, nil
}

// ClientID returns the LWA client ID the Client was created with.
func (c *Client) ClientID() string { return c.oauth.ClientID }

// Endpoints returns the URLs the Client talks to.
func (c *Client) Endpoints() Endpoints { return c.endpoints }

// SetDebug turns debug output on or off, like the seed's setDebug. Debug
// output goes to the logger given with [WithLogger] at level Debug, or to
// stderr when there is none, and never holds a token or the client secret.
func (c *Client) SetDebug(on bool) { c.debug.Store(on) }

// SetRefreshToken makes the Client use refreshToken from now on, dropping any
// cached access token, like the seed's setRefreshToken. An empty string
// forgets the token. It does not call the [WithTokenChange] hook.
func (c *Client) SetRefreshToken(refreshToken string) {
	c.mu.Lock()
	c.tok = Token{RefreshToken: strings.TrimSpace(refreshToken)}
	c.mu.Unlock()
}

// RefreshToken returns the refresh token in use, or "" if none is set, like
// the seed's getRefreshToken.
func (c *Client) RefreshToken() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tok.RefreshToken
}

// Token returns a copy of the Client's current tokens.
func (c *Client) Token() Token {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tok
}

// SetToken replaces the Client's tokens, e.g. with ones restored from a
// store. It does not call the [WithTokenChange] hook.
func (c *Client) SetToken(t Token) {
	c.mu.Lock()
	c.tok = t
	c.mu.Unlock()
}

// String describes the Client by its client ID, DRS endpoint and whether it
// holds tokens, never revealing them. Without it, fmt's %v (and so slog.Any
// with a text handler) prints every field, the tokens included.
func (c *Client) String() string {
	if c == nil {
		return "drs.Client(nil)"
	}
	return "drs.Client{client_id:" + c.oauth.ClientID + " drs:" + c.endpoints.DRS + " token:" + c.Token().String() + "}"
}

// GoString keeps %#v from revealing the Client's tokens.
func (c *Client) GoString() string { return c.String() }

// LogValue lets slog print a Client without revealing its tokens.
func (c *Client) LogValue() slog.Value {
	if c == nil {
		return slog.StringValue("drs.Client(nil)")
	}
	return slog.GroupValue(
		slog.String("client_id", c.oauth.ClientID),
		slog.String("drs", c.endpoints.DRS),
		slog.Any("token", c.Token()),
	)
}

// log returns the debug logger, or nil when debug output is off.
func (c *Client) log() *slog.Logger {
	if !c.debug.Load() {
		return nil
	}
	if c.logger == nil {
		return stderrLogger
	}
	return c.logger
}

// warnLog returns where warnings and errors go: the WithLogger logger, else
// stderr while debug output is on, else nowhere (nil). Quiet by default.
func (c *Client) warnLog() *slog.Logger {
	if c.logger != nil {
		return c.logger
	}
	if c.debug.Load() {
		return stderrLogger
	}
	return nil
}

// setToken stores t and calls the change hook if the refresh token changed,
// returning the hook's error.
func (c *Client) setToken(t Token) error {
	c.mu.Lock()
	return c.replaceLocked(t)
}

// replaceLocked stores t, unlocks c.mu (which the caller holds) and
// notifies the hook if the refresh token changed.
func (c *Client) replaceLocked(t Token) error {
	changed := c.tok.RefreshToken != t.RefreshToken
	c.tok = t
	c.mu.Unlock()
	if changed {
		return c.notify(t)
	}
	return nil
}

// notify hands t, the Client's newest token, to the change hook. Changes
// are delivered one at a time and newest last: a goroutine that finds the
// hook busy leaves t in a one-slot mailbox, where a newer change replaces
// it, and the delivering goroutine passes it on when the hook returns. So
// what the hook persists never lags behind the Client, and a hook that
// itself changes the token (a Deregister, a call that refreshes) does not
// deadlock: its change is delivered after it returns. notify returns the
// hook's error for the first token this goroutine delivered; nil when
// another goroutine delivers it.
func (c *Client) notify(t Token) error {
	if c.onChange == nil {
		return nil
	}
	c.mu.Lock()
	c.hookNext, c.hookHas = t, true
	if c.hookBusy {
		c.mu.Unlock()
		return nil
	}
	c.hookBusy = true
	var err error
	first := true
	for c.hookHas {
		next := c.hookNext
		c.hookNext, c.hookHas = Token{}, false
		c.mu.Unlock()
		herr := c.onChange(next)
		if first {
			err, first = herr, false
		}
		c.mu.Lock()
	}
	c.hookBusy = false
	c.mu.Unlock()
	return err
}

// setTokenIf stores t, and calls the change hook as setToken does, only if
// the Client's refresh token is still rt: a refresh must not undo a
// SetRefreshToken, SetToken or login that happened while it ran.
func (c *Client) setTokenIf(rt string, t Token) error {
	c.mu.Lock()
	if c.tok.RefreshToken != rt {
		c.mu.Unlock()
		return nil
	}
	return c.replaceLocked(t)
}

var errNoRefreshToken = errors.New("no refresh token: call SetRefreshToken or link the device with the login flow")
