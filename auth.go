package drs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/amazondrs/drs/internal/backoff"
	"github.com/amazondrs/drs/internal/transport"
	"github.com/amazondrs/drs/store"
)

// Scope is the LWA scope DRS devices are linked with.
const Scope = "dash:replenish"

// expiryMargin is how long before its expiry an access token is refreshed.
const expiryMargin = time.Minute

// refreshTimeout bounds one refresh when the retry policy has no
// MaxElapsed; a refresh runs detached from any one caller's context so that
// a caller giving up does not fail the others.
const refreshTimeout = 30 * time.Second

// Device describes a device a customer links: the one type for it across
// the module (the authorize step, the login package, drs serve).
type Device struct {
	// Model is the DRS portal's Model ID (at most 64 of [A-Za-z0-9-+_]).
	Model string
	// Serial identifies the device instance (same charset and length).
	Serial string
	// TestDevice makes orders test orders (TEST_ORDER_PLACED, nothing shipped).
	TestDevice bool
	// NonLive allows linking a model that has not passed certification
	// (should_include_non_live); production apps must leave it false.
	NonLive bool
}

var deviceIDRe = regexp.MustCompile(`^[A-Za-z0-9+_-]{1,64}$`)

// Validate reports a clear error if the model or serial is missing or
// malformed.
func (d Device) Validate() error {
	if !deviceIDRe.MatchString(d.Model) {
		return fmt.Errorf("device model %q must be 1-64 characters of A-Z a-z 0-9 - + _", d.Model)
	}
	if !deviceIDRe.MatchString(d.Serial) {
		return fmt.Errorf("serial %q must be 1-64 characters of A-Z a-z 0-9 - + _", d.Serial)
	}
	return nil
}

// Key returns the token-store key of d under clientID.
func (d Device) Key(clientID string) store.Key {
	return store.Key{ClientID: clientID, DeviceModel: d.Model, Serial: d.Serial}
}

// scopeData is the JSON LWA expects in scope_data.
func (d Device) scopeData() string {
	type replenish struct {
		DeviceModel          string `json:"device_model"`
		Serial               string `json:"serial"`
		IsTestDevice         bool   `json:"is_test_device"`
		ShouldIncludeNonLive bool   `json:"should_include_non_live,omitempty"`
	}
	b, _ := json.Marshal(map[string]replenish{Scope: {d.Model, d.Serial, d.TestDevice, d.NonLive}})
	return string(b)
}

// AuthOption adds to the authorize URL or the code exchange.
type AuthOption func(*authOptions)

type authOptions struct{ verifier string }

// WithPKCE adds PKCE (RFC 7636) to the authorization: [Client.AuthCodeURL]
// sends the S256 code_challenge of verifier, and [Client.Exchange] sends
// verifier as code_verifier. Give both the same verifier, from
// [GenerateVerifier], and keep it secret like the state.
func WithPKCE(verifier string) AuthOption {
	return func(o *authOptions) { o.verifier = verifier }
}

// GenerateVerifier returns a new random PKCE code_verifier (32 random bytes,
// 43 characters).
func GenerateVerifier() string { return oauth2.GenerateVerifier() }

func authOpts(opts []AuthOption) authOptions {
	var o authOptions
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	return o
}

// AuthCodeURL returns the LWA authorize URL that links d, carrying state for
// the return trip to redirectURL (which must equal an Allowed Return URL of
// the security profile).
func (c *Client) AuthCodeURL(state string, d Device, redirectURL string, opts ...AuthOption) (string, error) {
	if err := d.Validate(); err != nil {
		return "", &Error{Code: CodeGeneral, Op: "AuthCodeURL", Message: err.Error()}
	}
	if redirectURL == "" {
		return "", &Error{Code: CodeGeneral, Op: "AuthCodeURL", Message: "redirect URL is empty"}
	}
	o := authOpts(opts)
	cfg := *c.oauth
	cfg.RedirectURL = redirectURL
	params := []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("scope_data", d.scopeData())}
	if o.verifier != "" {
		params = append(params, oauth2.S256ChallengeOption(o.verifier))
	}
	return cfg.AuthCodeURL(state, params...), nil
}

// Exchange trades the authorization code from LWA's redirect for tokens,
// stores them in the Client and calls the [WithTokenChange] hook. With
// [WithPKCE] it sends the verifier whose challenge the authorize URL
// carried. It is sent
// once, and again only when the request provably never left (the
// connection was refused): a code is single use, so a retry could only hide
// the real error.
func (c *Client) Exchange(ctx context.Context, code, redirectURL string, opts ...AuthOption) (Token, error) {
	if code == "" {
		return Token{}, &Error{Code: CodeGeneral, Op: "Exchange", Message: "authorization code is empty"}
	}
	var xopts []oauth2.AuthCodeOption
	o := authOpts(opts)
	if o.verifier != "" {
		xopts = append(xopts, oauth2.VerifierOption(o.verifier))
	}
	cfg := *c.oauth
	cfg.RedirectURL = redirectURL
	// A code is single use: no transport may resend it on its own (Go's
	// HTTP/2 transport would, after a stream reset).
	hc := *c.tokenHC
	hc.Transport = transport.NoReplay(hc.Transport)
	type result struct {
		ot    *oauth2.Token
		start time.Time
	}
	res, e := retryCall(ctx, c, opExchange, func(ctx context.Context, b budget) (result, time.Duration, *Error) {
		ctx, cancel := b.attempt(ctx)
		defer cancel()
		start := c.now()
		ot, err := cfg.Exchange(context.WithValue(ctx, oauth2.HTTPClient, &hc), code, xopts...)
		if err != nil {
			return result{}, 0, c.scrub(c.tokenError(opExchange.name, err, code), o.verifier)
		}
		return result{ot, start}, 0, nil
	})
	if e != nil {
		c.debugLog(ctx, "code exchange failed", slog.Int("code", e.Code), slog.Int("status", e.StatusCode))
		return Token{}, e
	}
	ot, start := res.ot, res.start
	if e := checkTokens("Exchange", ot); e != nil {
		return Token{}, e
	}
	t := c.fromOAuth(ot, start, "")
	if t.RefreshToken == "" {
		// LWA said yes but gave nothing to stay linked with: the client is
		// not authenticated, the seed's 1000 (see doc.go).
		return Token{}, &Error{Code: CodeNotAuthenticated, Op: "Exchange", Message: "LWA returned no refresh token; the device is not linked"}
	}
	if err := c.setToken(t); err != nil {
		// Amazon linked the device: the Client keeps the token, and the
		// error says so (ErrTokenNotSaved); SaveToken tries again.
		return t, c.scrub(&Error{Code: CodeGeneral, Op: "Exchange", Message: msgTokenNotSaved, Err: err}, code)
	}
	c.debugLog(ctx, "device linked", slog.Any("token", t))
	return t, nil
}

// accessToken returns a valid access token, refreshing it if needed. Many
// goroutines calling at once on an expired token cause one refresh.
func (c *Client) accessToken(ctx context.Context, b budget) (string, error) {
	if tok, ok := c.cachedAccess(); ok {
		return tok, nil
	}
	ctx, cancel := b.call(ctx) // the wait for a shared refresh counts against MaxElapsed
	defer cancel()
	ch := c.refreshes.DoChan("refresh", func() (any, error) {
		if tok, ok := c.cachedAccess(); ok { // another caller just refreshed
			return tok, nil
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.refreshBudget())
		defer cancel()
		return c.refresh(rctx)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(string), nil
	case <-ctx.Done():
		return "", &Error{Code: transport.Code(ctx.Err()), Op: "RefreshToken", Message: "waiting for token refresh", Err: ctx.Err()}
	}
}

// refreshBudget bounds one shared refresh, retries included: the policy's
// MaxElapsed, or refreshTimeout when the policy sets none. A caller stops
// waiting for it when its own call's context is done.
func (c *Client) refreshBudget() time.Duration {
	if c.retry.MaxElapsed > 0 {
		return c.retry.MaxElapsed
	}
	return refreshTimeout
}

func (c *Client) cachedAccess() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tok
	if t.AccessToken == "" {
		return "", false
	}
	if !t.Expiry.IsZero() && !c.now().Add(expiryMargin).Before(t.Expiry) {
		return "", false
	}
	return t.AccessToken, true
}

// refresh obtains a new access token with the refresh token, retrying
// transient failures (a refresh is safe to repeat) through the same loop and
// decision as DRS calls.
func (c *Client) refresh(ctx context.Context) (string, error) {
	rt := c.RefreshToken()
	switch {
	case rt == "":
		return "", &Error{Code: CodeNotAuthenticated, Op: opRefresh.name, Message: errNoRefreshToken.Error()}
	case strings.HasPrefix(rt, store.EncryptedPrefix):
		return "", &Error{Code: CodeGeneral, Op: opRefresh.name, Message: errEncryptedToken.Error()}
	}
	type result struct {
		ot    *oauth2.Token
		start time.Time
	}
	res, rerr := retryCall(ctx, c, opRefresh, func(ctx context.Context, b budget) (result, time.Duration, *Error) {
		ctx, cancel := b.attempt(ctx)
		defer cancel()
		start := c.now()
		ot, err := c.oauth.TokenSource(context.WithValue(ctx, oauth2.HTTPClient, c.tokenHC), &oauth2.Token{RefreshToken: rt}).Token()
		if err == nil {
			return result{ot, start}, 0, checkTokens(opRefresh.name, ot) // a malformed token is not retried (code 1010)
		}
		var re *oauth2.RetrieveError
		var after time.Duration
		if errors.As(err, &re) && re.Response != nil {
			// Wall time, not c.now: an HTTP-date Retry-After is a moment on
			// the server's clock, while c.now only decides token expiry
			// (WithClock) and may be anywhere.
			after = backoff.RetryAfter(re.Response.Header.Get("Retry-After"), time.Now())
		}
		return result{}, after, c.tokenError(opRefresh.name, err, rt)
	})
	if rerr != nil {
		if rerr.Code == CodeNotAuthenticated {
			c.mu.Lock()
			if c.tok.RefreshToken == rt {
				c.tok.AccessToken, c.tok.Expiry = "", time.Time{}
			}
			c.mu.Unlock()
		}
		c.debugLog(ctx, "token refresh failed", slog.Int("code", rerr.Code), slog.String("oauth_error", rerr.OAuthError))
		return "", rerr
	}
	t := c.fromOAuth(res.ot, res.start, rt)
	// If SetRefreshToken (or a login) raced with us, keep the caller's
	// choice. A failed save is reported by the store binding (OnSaveError
	// or the logger); the new token works in memory meanwhile.
	_ = c.setTokenIf(rt, t)
	c.debugLog(ctx, "access token refreshed", slog.Time("expiry", t.Expiry))
	return t.AccessToken, nil
}

// errEncryptedToken is the message for a refresh token that is still an
// encrypted token-store value: sending it to LWA would only get
// invalid_grant, which would read as "link the device again".
var errEncryptedToken = errors.New("the refresh token is an encrypted token-store value (" + store.EncryptedPrefix +
	"...): the store is encrypted, so open it with its key (set DRS_STORE_KEY, or wrap it in store.Encrypt with the key); nothing was sent to Amazon")

// checkTokens refuses a token response whose access or refresh token is not
// printable ASCII without spaces (LWA's are "Atza|..." and "Atzr|..."): such
// an access token cannot be sent in an Authorization header, and such a
// refresh token would be stored and sent back. Neither token is quoted.
func checkTokens(op string, ot *oauth2.Token) *Error {
	for _, f := range []struct{ name, v string }{{"access", ot.AccessToken}, {"refresh", ot.RefreshToken}} {
		for i := 0; i < len(f.v); i++ {
			if f.v[i] <= ' ' || f.v[i] >= 0x7f {
				return &Error{Code: CodeGeneral, Op: op, Message: "LWA token response holds a malformed " + f.name + " token (not printable ASCII)"}
			}
		}
	}
	return nil
}

// fromOAuth converts an x/oauth2 token, computing the expiry with the
// Client's clock and keeping oldRefresh when LWA sent no new one.
func (c *Client) fromOAuth(ot *oauth2.Token, start time.Time, oldRefresh string) Token {
	t := Token{AccessToken: ot.AccessToken, RefreshToken: ot.RefreshToken}
	if t.RefreshToken == "" {
		t.RefreshToken = oldRefresh
	}
	if ot.ExpiresIn > 0 {
		t.Expiry = start.Add(time.Duration(ot.ExpiresIn) * time.Second)
	}
	return t
}

// dropAccessToken forgets access if it is still the cached access token, so
// the next call refreshes.
func (c *Client) dropAccessToken(access string) {
	c.mu.Lock()
	if c.tok.AccessToken == access {
		c.tok.AccessToken, c.tok.Expiry = "", time.Time{}
	}
	c.mu.Unlock()
}

// tokenError converts an LWA failure into an *Error: invalid_grant on a
// refresh is code 1000, other error statuses their HTTP status, transport
// failures their libcurl-style code, anything else 1010. No token response
// body is kept, and neither the client secret nor the Client's tokens nor
// sent (the refresh token or code the request carried) survive in e.
func (c *Client) tokenError(op string, err error, sent string) *Error {
	e := &Error{Op: op, Err: err}
	var re *oauth2.RetrieveError
	switch {
	case errors.As(err, &re):
		oauthError(e, re)
		e.Err = nil // its text holds the raw body
		switch {
		case re.ErrorCode == "invalid_grant" && op == "RefreshToken":
			e.Code = CodeNotAuthenticated
		case e.StatusCode >= 100 && e.StatusCode <= 999 && (e.StatusCode < 200 || e.StatusCode > 299):
			e.Code = e.StatusCode
		default:
			e.Code = CodeGeneral
		}
		if e.OAuthError == "" && e.Message == "" {
			e.Message = "LWA token endpoint returned an error without an OAuth error body"
		}
	case transport.IsRoundTrip(err):
		e.Code, e.Err = transport.Code(err), transport.ScrubURL(err)
	default:
		e.Code, e.Message, e.Err = CodeGeneral, "LWA token response is not valid token JSON", nil
	}
	return c.scrub(e, sent)
}

func (c *Client) debugLog(ctx context.Context, msg string, attrs ...slog.Attr) {
	if l := c.log(); l != nil {
		l.LogAttrs(ctx, slog.LevelDebug, "drs: "+msg, attrs...)
	}
}
