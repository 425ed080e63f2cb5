package login

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/store"
)

// Config configures a [Handler].
type Config struct {
	// RedirectURL is the public URL of the callback route (the combined
	// Handler's route, or where CallbackHandler is mounted). It must equal
	// an Allowed Return URL of the LWA security profile. It is required and
	// never derived from a request's Host header.
	RedirectURL string
	// StartURL is the public URL [Handler.Start] hands out, with ?link=ID
	// appended. Default: RedirectURL (the combined Handler). It must have
	// RedirectURL's scheme and host name (the binding cookie is host-only). Over http, the
	// binding cookie's path is the common directory of StartURL and
	// RedirectURL, so with StartHandler mounted outside RedirectURL's
	// directory set StartURL to where it is.
	StartURL string
	// States keeps the attempts (state and PKCE verifier) between the
	// redirect to LWA and the return trip. Default: in memory. Instances
	// share one (e.g. store/pgstore) and one StateKey.
	States store.StateStore
	// StateKey signs state values (HMAC-SHA256) so forged ones are refused
	// before any lookup. Default: 32 random bytes per handler.
	StateKey []byte
	// StateTTL is how long a customer may take at LWA. Default: 10 minutes.
	StateTTL time.Duration
	// Links keeps store-backed links ([Handler.NewLink]); optional.
	Links LinkStore
	// ClientFor returns the Client for a device whose attempt did not start
	// from an in-process login of this Handler (a store-backed link, or a
	// return trip that landed on another instance). Required with Links.
	ClientFor func(store.Key) (*drs.Client, error)
	// SaveRetry bounds how long a return trip retries saving the token
	// when the save fails after Amazon linked the device (drs.ErrTokenNotSaved),
	// with backoff from 100ms to 2s. Default: 20 seconds.
	SaveRetry time.Duration
	// Limits bound how many attempts are started (see [Limits]).
	Limits Limits
	// Logger receives what the customer's page cannot show, at level
	// Error with the device key and the error (never a token): a token
	// Amazon issued that could not be saved, a failing ClientFor or
	// LinkStore. Default: slog.Default().
	Logger *slog.Logger
	// Now replaces time.Now for state expiry; tests use it.
	Now func() time.Time
}

// Handler is the login flow: see the package documentation. Its zero value
// is not usable; call [New].
type Handler struct {
	cfg    Config
	cookie cookieSpec
	limit  *limiter

	mu      sync.Mutex
	running map[store.Key]*pending
	// ended keeps each Client's last ended login until Wait reads it or
	// the Client starts another, so a Wait called after a fast customer
	// still gets the outcome.
	ended map[*drs.Client]*pending
}

// pending is one in-process login (see [Handler.Start]).
type pending struct {
	c      *drs.Client
	dev    drs.Device
	key    store.Key
	name   string // the link's name
	hash   []byte // SHA-256 of the link ID
	notify func(error, drs.Token)

	started time.Time
	// validUntil is when the newest state handed out expires (StateTTL
	// after Start before any), capped at maxLoginAge StateTTLs after Start.
	// Guarded by Handler.mu.
	validUntil time.Time
	// paste holds the states AuthURL issued (for Complete). Guarded by
	// Handler.mu.
	paste map[string]bool

	done chan struct{} // closed when the login ends
	// taken is closed when a return trip took the login and is
	// exchanging its code: Wait then waits for the outcome.
	taken chan struct{}
	tok   drs.Token
	err   error
}

// maxLoginAge caps, in StateTTLs, how long visits can keep an in-process
// login from being abandoned.
const maxLoginAge = 2

// maxEnded caps Handler.ended, for Clients whose outcome Wait never reads.
const maxEnded = 1024

// maxPasteStates caps the states AuthURL keeps for Complete.
const maxPasteStates = 16

// exchangeTimeout bounds the code exchange of a return trip, which runs to
// its end even if the customer's browser goes away: the code is good only
// once.
const exchangeTimeout = 30 * time.Second

// finishTimeout bounds the parts of a return trip that take a context.
const finishTimeout = exchangeTimeout + 15*time.Second

func (p *pending) abandoned(now time.Time) bool { return !now.Before(p.validUntil) }

// New returns a handler for cfg.
func New(cfg Config) (*Handler, error) {
	if err := checkURL("RedirectURL", cfg.RedirectURL); err != nil {
		return nil, err
	}
	if cfg.StartURL == "" {
		cfg.StartURL = cfg.RedirectURL
	} else if err := checkURL("StartURL", cfg.StartURL); err != nil {
		return nil, err
	}
	if su, ru := mustParse(cfg.StartURL), mustParse(cfg.RedirectURL); su.Scheme != ru.Scheme || !strings.EqualFold(su.Hostname(), ru.Hostname()) {
		return nil, &drs.Error{Code: drs.CodeGeneral, Op: "login.New", Message: fmt.Sprintf(
			"StartURL %q and RedirectURL %q must share scheme and host name: the binding cookie is host-only, so every return trip would be refused", cfg.StartURL, cfg.RedirectURL)}
	}
	if cfg.States == nil {
		cfg.States = store.Memory()
	}
	if cfg.StateKey == nil {
		cfg.StateKey = make([]byte, 32)
		rand.Read(cfg.StateKey)
	}
	if len(cfg.StateKey) < 16 {
		return nil, &drs.Error{Code: drs.CodeGeneral, Op: "login.New", Message: "StateKey must be at least 16 bytes"}
	}
	if cfg.Links != nil && cfg.ClientFor == nil {
		return nil, &drs.Error{Code: drs.CodeGeneral, Op: "login.New", Message: "Links needs ClientFor"}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.StateTTL <= 0 {
		cfg.StateTTL = 10 * time.Minute
	}
	if cfg.SaveRetry <= 0 {
		cfg.SaveRetry = 20 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Handler{cfg: cfg, cookie: newCookieSpec(cfg.RedirectURL, cfg.StartURL),
		limit: newLimiter(cfg.Limits, cfg.StateTTL), running: map[store.Key]*pending{}, ended: map[*drs.Client]*pending{}}, nil
}

func mustParse(s string) *url.URL { u, _ := url.Parse(s); return u }

func checkURL(name, s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return &drs.Error{Code: drs.CodeGeneral, Op: "login.New", Message: fmt.Sprintf("%s %q must be an absolute http(s) URL without query or fragment", name, s)}
	}
	return nil
}

// Start begins an in-process login for c and device d, like the seed's
// login(), and returns the URL to send the customer to (StartURL?link=ID;
// the ID is unguessable and only this Handler serves it). Once the login
// ends, onAuthenticated (which may be nil) is called with nil and the new
// tokens, or with the final error; a refused visit (forged, replayed or
// expired state) is reported to it with code 1010 without ending the login.
// Start fails with code 1001 ([drs.ErrLoginInProgress]) while c, or
// another Client for the same device, has a login running here that is not
// abandoned (every state it handed out has expired: StateTTL after its
// newest, at most 2×StateTTL after Start), and with 1010 if d is malformed.
func (h *Handler) Start(c *drs.Client, d drs.Device, onAuthenticated func(err error, tok drs.Token)) (string, error) {
	if err := d.Validate(); err != nil {
		return "", &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: err.Error()}
	}
	k, now := d.Key(c.ClientID()), h.cfg.Now()
	id, name, hash := newLinkID()
	var gone []*pending
	defer func() {
		for _, p := range gone {
			p.finish(errAbandoned(), drs.Token{})
		}
	}()
	h.mu.Lock()
	for ok, p := range h.running {
		if p.abandoned(now) {
			delete(h.running, ok)
			h.keepEnded(p)
			gone = append(gone, p)
			continue
		}
		if ok == k || p.c == c {
			h.mu.Unlock()
			return "", &drs.Error{Code: drs.CodeLoginInProgress, Op: "Login", Message: "a login is already running for device " + p.dev.Model + "/" + p.dev.Serial}
		}
	}
	delete(h.ended, c)
	h.running[k] = &pending{c: c, dev: d, key: k, name: name, hash: hash, notify: onAuthenticated,
		started: now, validUntil: now.Add(h.cfg.StateTTL), paste: map[string]bool{}, done: make(chan struct{}), taken: make(chan struct{})}
	h.mu.Unlock()
	return h.cfg.StartURL + "?link=" + id, nil
}

// find returns the running login of c for d (any device if d is nil).
func (h *Handler) find(c *drs.Client) *pending {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range h.running {
		if p.c == c {
			return p
		}
	}
	return nil
}

// Running reports whether a login started for c still waits for its
// return trip. A refused visit does not end it.
func (h *Handler) Running(c *drs.Client) bool { return h.find(c) != nil }

// Cancel ends the login running for c, if any: its link and states stop
// working and Wait returns code 42 (aborted).
func (h *Handler) Cancel(c *drs.Client) {
	if p := h.end(h.find(c)); p != nil {
		p.finish(&drs.Error{Code: drs.CodeAborted, Op: "Login", Message: "the login was cancelled"}, drs.Token{})
	}
}

// end removes p from the running logins; it returns nil if p had already
// ended (or is nil), so exactly one caller finishes it.
func (h *Handler) end(p *pending) *pending {
	if p == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.running[p.key] != p {
		return nil
	}
	delete(h.running, p.key)
	h.keepEnded(p)
	return p
}

// keepEnded records p as its Client's last ended login, dropping another
// Client's entry beyond maxEnded. Called with h.mu held.
func (h *Handler) keepEnded(p *pending) {
	if _, ok := h.ended[p.c]; !ok && len(h.ended) >= maxEnded {
		for c := range h.ended {
			delete(h.ended, c)
			break
		}
	}
	h.ended[p.c] = p
}

// finish records the outcome of p and tells the callback and Wait.
func (p *pending) finish(err error, tok drs.Token) {
	p.err, p.tok = err, tok
	close(p.done)
	if p.notify != nil {
		p.notify(err, tok)
	}
}

// Wait blocks until the login running (or last run) for c ends and returns
// its tokens or its final error: an LWA refusal (code 1010), a failed
// exchange (LWA's HTTP status or a transport code; the device is not
// linked), or, once the login is abandoned (no state it handed out is valid
// any more), code 1010. A refused visit does not end it.
//
// Wait is single-instance: it sees only the return trips that reach this
// Handler. If the return trip lands on another instance sharing the stores,
// that instance links the device and Wait here ends "abandoned"; the token
// store then tells whether the device is linked.
//
// If ctx ends first, Wait returns code 28 (deadline) or 42 (cancelled)
// wrapping ctx's error and the login keeps running, unless a return trip
// already took the login: then its exchange is under way, and Wait waits
// for its outcome (at most the exchange timeout plus Config.SaveRetry), so
// that what it reports is true.
func (h *Handler) Wait(ctx context.Context, c *drs.Client) (drs.Token, error) {
	p := h.find(c)
	if p == nil {
		h.mu.Lock()
		p = h.ended[c]
		delete(h.ended, c)
		h.mu.Unlock()
	}
	if p == nil {
		return drs.Token{}, &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: "no login is running for this client: call Start first"}
	}
	for {
		h.mu.Lock()
		left := p.validUntil.Sub(h.cfg.Now())
		h.mu.Unlock()
		t := time.NewTimer(max(left, time.Millisecond))
		select {
		case <-p.done:
			t.Stop()
			h.mu.Lock()
			if h.ended[c] == p {
				delete(h.ended, c)
			}
			h.mu.Unlock()
			return p.tok, p.err
		case <-ctx.Done():
			t.Stop()
			select {
			case <-p.taken:
				bound := time.NewTimer(finishTimeout + h.cfg.SaveRetry)
				select {
				case <-p.done:
					bound.Stop()
					h.mu.Lock()
					if h.ended[c] == p {
						delete(h.ended, c)
					}
					h.mu.Unlock()
					return p.tok, p.err
				case <-bound.C:
				}
			default:
			}
			code := drs.CodeAborted
			if ctx.Err() == context.DeadlineExceeded {
				code = drs.CodeTimeout
			}
			return drs.Token{}, &drs.Error{Code: code, Op: "Login", Message: "stopped waiting for the customer", Err: ctx.Err()}
		case <-t.C:
			h.mu.Lock()
			gone := p.abandoned(h.cfg.Now())
			h.mu.Unlock()
			if gone && h.end(p) != nil {
				p.finish(errAbandoned(), drs.Token{})
			}
		}
	}
}

func errAbandoned() error {
	return &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: "the login was abandoned: no return trip came while its states were valid (if it reached another instance, the device may be linked there)"}
}

// Login runs a whole in-process login: Start, show(url) (print it, open a
// browser), then Wait. The login ends with Login, also when ctx does.
func (h *Handler) Login(ctx context.Context, c *drs.Client, d drs.Device, show func(url string)) (drs.Token, error) {
	u, err := h.Start(c, d, nil)
	if err != nil {
		return drs.Token{}, err
	}
	defer h.Cancel(c)
	if show != nil {
		show(u)
	}
	return h.Wait(ctx, c)
}

// AuthURL returns an LWA authorize URL, with a fresh state and PKCE
// verifier, for the login running for c, for a customer who cannot reach
// the route: [Handler.Complete] finishes it from the URL the browser lands
// on. Only this process holds what Complete needs.
func (h *Handler) AuthURL(ctx context.Context, c *drs.Client) (string, error) {
	p := h.find(c)
	if p == nil {
		return "", &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: "no login is running for this client: call Start first"}
	}
	return h.newAttempt(ctx, attemptOf(p), pasteBinding)
}

// sign returns the MAC of a state ID bound to binding (the browser ID of
// the cookie, or pasteBinding).
func (h *Handler) sign(id, binding string) string { return h.mac("state", id, binding) }

// String describes the handler without its state key.
func (h *Handler) String() string {
	h.mu.Lock()
	n := len(h.running)
	h.mu.Unlock()
	return fmt.Sprintf("login.Handler{redirect: %s, logins running: %d}", h.cfg.RedirectURL, n)
}

// GoString keeps %#v from printing the state key.
func (h *Handler) GoString() string { return h.String() }
