package drs

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/amazondrs/drs/store"
)

// Device describes the device a login links.
type Device struct {
	// Model is the DRS portal's Model ID.
	Model string
	// Serial identifies this device instance.
	Serial string
	// TestDevice makes the device's orders test orders.
	TestDevice bool
	// NonLive allows a model that has not passed certification.
	NonLive bool
}

// LoginConfig configures a [LoginHandler].
type LoginConfig struct {
	// RedirectURL is the public URL the handler is mounted at. It must equal
	// an Allowed Return URL of the LWA security profile. It is required and
	// never derived from a request's Host header.
	RedirectURL string
	// States keeps pending logins between the redirect to LWA and the
	// return trip. Default: in memory. Agents running on several machines
	// share one (e.g. store/pgstore) and one StateKey.
	States store.StateStore
	// StateKey signs state values (HMAC-SHA256) so forged ones are refused
	// before any lookup. Default: 32 random bytes per handler.
	StateKey []byte
	// StateTTL is how long a customer may take at LWA. Default: 10 minutes.
	StateTTL time.Duration
	// ClientFor returns the Client for a device whose login was started on
	// another instance; optional.
	ClientFor func(store.Key) (*Client, error)
	// Now replaces time.Now for state expiry; tests use it.
	Now func() time.Time
}

// LoginHandler re-creates the seed's login(): mounted at the RedirectURL's
// path on any router, it sends the customer's browser to LWA and, on the
// return trip, checks the state, exchanges the code once, stores the tokens
// in the Client and reports the outcome.
//
// The lifecycle follows the seed: [LoginHandler.Start] begins a login for a
// Client and device, and fails with code 1001 ([ErrLoginInProgress]) while
// that Client, or another Client for the same device, has a login running
// (a login counts as abandoned, and is replaced, once every state it handed
// out has expired: StateTTL after its newest state, or after Start if it
// handed out none; page visits keep it for at most 2×StateTTL after Start,
// so a bot reloading the public route cannot hold it forever). A plain GET
// of the route redirects to LWA with a fresh state (a login keeps its last
// 8 states valid, so reloading the page cannot fill the state store); with
// several devices started, ?serial=S picks one. The state is signed, checked in constant time, used
// once and carries which device the return trip belongs to.
//
// The return trip ends the login: on success, or on an LWA error (code 1010)
// or a failed exchange (the HTTP status LWA answered, the code of a
// transport failure, or 1000 when LWA answered without a refresh token)
// tied to a valid state. A missing, forged, replayed or expired
// state is refused (nothing is exchanged) and reported with code 1010 to the
// callback of the one running login (to none when several run, as it cannot
// tell whose it was), but the login keeps running, since the customer's
// real return may still come. While no login is running for a device, its
// route answers 503 until Start is called again.
type LoginHandler struct {
	cfg LoginConfig

	mu      sync.Mutex
	running map[store.Key]*pendingLogin
}

type pendingLogin struct {
	c       *Client
	dev     Device
	notify  func(error, Token)
	started time.Time
	states  []string // state IDs handed out and not yet used (guarded by LoginHandler.mu)
	// validUntil is when the newest state handed out expires (StateTTL after
	// Start before any), but at most maxLoginAge after Start: until then a
	// return trip may still come, so the login is not abandoned. Guarded by
	// LoginHandler.mu.
	validUntil time.Time
}

// maxLoginAge caps, in StateTTLs, how long page visits can keep a login
// from being abandoned: the route is public, and without a cap a bot
// reloading it would keep the device's login (and its 1001) forever.
const maxLoginAge = 2

// abandoned reports whether every state p handed out has expired by now
// (a state is refused from its expiry on, so the login is too).
func (p *pendingLogin) abandoned(now time.Time) bool { return !now.Before(p.validUntil) }

// maxStates caps the states one login keeps valid: each plain GET of the
// route issues one, so without a cap anyone could fill the state store by
// reloading the page. Issuing one more drops the oldest.
const maxStates = 8

// exchangeTimeout bounds the code exchange of a return trip, which runs to
// its end even if the customer's browser goes away: the code is good only
// once.
const exchangeTimeout = 30 * time.Second

// finishTimeout bounds the parts of a return trip that take a context
// (taking the state from its store, the exchange), so a hung state store or
// LWA cannot hold the handler forever. Saving the tokens happens in the
// change hook, which bounds itself ([WithTokenStore] does).
const finishTimeout = exchangeTimeout + 15*time.Second

// NewLoginHandler returns a handler for cfg.
func NewLoginHandler(cfg LoginConfig) (*LoginHandler, error) {
	u, err := url.Parse(cfg.RedirectURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, &Error{Code: CodeGeneral, Op: "NewLoginHandler", Message: fmt.Sprintf("RedirectURL %q must be an absolute http(s) URL without query or fragment", cfg.RedirectURL)}
	}
	if cfg.States == nil {
		cfg.States = store.Memory()
	}
	if cfg.StateKey == nil {
		cfg.StateKey = make([]byte, 32)
		rand.Read(cfg.StateKey)
	}
	if len(cfg.StateKey) < 16 {
		return nil, &Error{Code: CodeGeneral, Op: "NewLoginHandler", Message: "StateKey must be at least 16 bytes"}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.StateTTL <= 0 {
		cfg.StateTTL = 10 * time.Minute
	}
	return &LoginHandler{cfg: cfg, running: map[store.Key]*pendingLogin{}}, nil
}

func deviceKey(c *Client, d Device) store.Key {
	return store.Key{ClientID: c.ClientID(), DeviceModel: d.Model, Serial: d.Serial}
}

// Start begins a login for c and device d, like the seed's login(); once it
// ends, onAuthenticated (which may be nil) is called with nil and the new
// tokens, or with the error. It fails with code 1001 while c, or another
// Client for the same device (same client ID, model and serial), has a login
// running that is not abandoned (see [LoginHandler]), and with 1010 if d is
// malformed.
func (h *LoginHandler) Start(c *Client, d Device, onAuthenticated func(err error, tok Token)) error {
	if err := (AuthParams{DeviceModel: d.Model, Serial: d.Serial, RedirectURL: h.cfg.RedirectURL}).Validate(); err != nil {
		return &Error{Code: CodeGeneral, Op: "Login", Message: err.Error()}
	}
	if !c.login.CompareAndSwap(false, true) && !h.dropStale(c) {
		return &Error{Code: CodeLoginInProgress, Op: "Login", Message: "a login is already running for this client"}
	}
	k, now := deviceKey(c, d), h.cfg.Now()
	h.mu.Lock()
	if old := h.running[k]; old != nil {
		if !old.abandoned(now) {
			h.mu.Unlock()
			c.login.Store(false)
			return &Error{Code: CodeLoginInProgress, Op: "Login", Message: "a login is already running for device " + d.Model + "/" + d.Serial}
		}
		old.c.login.Store(false) // abandoned by another client
		defer h.forget(old.takeStates())
	}
	h.running[k] = &pendingLogin{c: c, dev: d, notify: onAuthenticated, started: now, validUntil: now.Add(h.cfg.StateTTL)}
	h.mu.Unlock()
	c.debugLog(context.Background(), "login started", slog.String("model", d.Model), slog.String("serial", d.Serial))
	return nil
}

// dropStale forgets c's login on h if it is abandoned: every state it
// handed out has expired, so its return trip can no longer come here (it may
// have finished on another instance).
func (h *LoginHandler) dropStale(c *Client) bool {
	var stale []string
	defer func() { h.forget(stale) }()
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, v := range h.running {
		if v.c == c && v.abandoned(h.cfg.Now()) {
			delete(h.running, k)
			stale = v.takeStates()
			return true
		}
	}
	return false
}

// takeStates returns and clears the states p handed out. h.mu must be held.
func (p *pendingLogin) takeStates() []string {
	s := p.states
	p.states = nil
	return s
}

// forget removes states from the store, so that no return trip can use
// them any more. It is best effort: a state it misses expires anyway.
func (h *LoginHandler) forget(states []string) {
	if len(states) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, id := range states {
		h.cfg.States.TakeState(ctx, id, h.cfg.Now())
	}
}

// Running reports whether a login started for c still waits for its
// return trip. A refused return trip (forged or stale state) does not end it.
func (h *LoginHandler) Running(c *Client) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, v := range h.running {
		if v.c == c {
			return true
		}
	}
	return false
}

// AuthURL returns the LWA authorize URL, with a fresh state, for the login
// running for c. It is what a plain GET of the route redirects to.
func (h *LoginHandler) AuthURL(ctx context.Context, c *Client) (string, error) {
	h.mu.Lock()
	var p *pendingLogin
	for _, v := range h.running {
		if v.c == c {
			p = v
		}
	}
	h.mu.Unlock()
	if p == nil {
		return "", &Error{Code: CodeGeneral, Op: "Login", Message: "no login is running for this client: call Start first"}
	}
	return h.authURL(ctx, p)
}

func (h *LoginHandler) authURL(ctx context.Context, p *pendingLogin) (string, error) {
	id := make([]byte, 18)
	rand.Read(id)
	sid := base64.RawURLEncoding.EncodeToString(id)
	ls := store.LoginState{Key: deviceKey(p.c, p.dev), TestDevice: p.dev.TestDevice, NonLive: p.dev.NonLive,
		RedirectURL: h.cfg.RedirectURL, Expires: h.cfg.Now().Add(h.cfg.StateTTL)}
	if err := h.cfg.States.PutState(ctx, sid, ls); err != nil {
		return "", &Error{Code: CodeGeneral, Op: "Login", Message: "saving login state", Err: err}
	}
	h.mu.Lock()
	if h.running[ls.Key] != p { // the login ended meanwhile
		h.mu.Unlock()
		h.forget([]string{sid})
		return "", &Error{Code: CodeGeneral, Op: "Login", Message: "the login ended: call Start again"}
	}
	p.states = append(p.states, sid)
	if until := ls.Expires; until.After(p.validUntil) {
		if limit := p.started.Add(maxLoginAge * h.cfg.StateTTL); until.After(limit) {
			until = limit
		}
		p.validUntil = until
	}
	var drop []string
	if n := len(p.states) - maxStates; n > 0 {
		drop = slices.Clone(p.states[:n])
		p.states = slices.Delete(p.states, 0, n)
	}
	h.mu.Unlock()
	h.forget(drop)
	return p.c.AuthCodeURL(sid+"."+h.sign(sid), AuthParams{DeviceModel: p.dev.Model, Serial: p.dev.Serial,
		TestDevice: p.dev.TestDevice, NonLive: p.dev.NonLive, RedirectURL: h.cfg.RedirectURL})
}

func (h *LoginHandler) sign(id string) string {
	m := hmac.New(sha256.New, h.cfg.StateKey)
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// String describes the handler without its state key.
func (h *LoginHandler) String() string {
	h.mu.Lock()
	n := len(h.running)
	h.mu.Unlock()
	return fmt.Sprintf("drs.LoginHandler{redirect: %s, logins running: %d}", h.cfg.RedirectURL, n)
}

// GoString keeps %#v from printing the state key.
func (h *LoginHandler) GoString() string { return h.String() }
