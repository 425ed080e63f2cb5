package drs

// The return trip of the login flow: the route's HTTP handling, the state
// check and the code exchange. login.go holds the handler's set-up and the
// lifecycle of pending logins.

import (
	"context"
	"crypto/hmac"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/amazondrs/drs/store"
)

// ServeHTTP redirects a plain GET to LWA and finishes the login on the
// return trip.
func (h *LoginHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writePage(w, http.StatusMethodNotAllowed, "Method not allowed", "Open this page with a plain GET.")
		return
	}
	q := r.URL.Query()
	if q.Has("state") || q.Has("code") || q.Has("error") {
		// Once the state is taken, the code is good only once: finish the
		// exchange even if the customer's browser goes away meanwhile.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), finishTimeout)
		res := h.finish(ctx, q)
		cancel()
		writePage(w, res.status, res.title, res.msg)
		return
	}
	p, status, msg := h.pick(q.Get("serial"))
	if p == nil {
		writePage(w, status, "Cannot start linking", msg)
		return
	}
	u, err := h.authURL(r.Context(), p)
	if err != nil {
		writePage(w, http.StatusServiceUnavailable, "Cannot start linking", "The agent could not start the login. Start a login in the agent, then open this page again.")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, u, http.StatusFound)
}

// pick chooses the running login a plain GET is for.
func (h *LoginHandler) pick(serial string) (*pendingLogin, int, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var found []*pendingLogin
	for k, p := range h.running {
		if serial == "" || k.Serial == serial {
			found = append(found, p)
		}
	}
	switch {
	case len(h.running) == 0:
		return nil, http.StatusServiceUnavailable, "No device login is in progress. Start a login in the agent, then open this page again."
	case len(found) == 0:
		return nil, http.StatusServiceUnavailable, "No login is in progress for that device. Start a login for it in the agent, then open this page again."
	case len(found) > 1:
		return nil, http.StatusBadRequest, "Several devices are waiting to be linked: add ?serial=<device serial> to the address."
	}
	return found[0], 0, ""
}

// Complete finishes a login from the URL the customer's browser landed on
// (for agents that cannot receive the redirect, e.g. a CLI on another
// machine). It applies the same checks as the route, and returns the error
// the callback got, with the same code: 1010 for a missing, forged,
// replayed or expired state (the login keeps running) or a refusal by LWA,
// the HTTP status or another code for a failed exchange.
func (h *LoginHandler) Complete(ctx context.Context, callbackURL string) error {
	u, err := url.Parse(strings.TrimSpace(callbackURL))
	if err != nil {
		return &Error{Code: CodeGeneral, Op: "Login", Message: "the pasted URL is not a URL"}
	}
	return h.finish(ctx, u.Query()).err
}

// returnTrip is the outcome of a return trip: the page to show and the
// error reported (nil once the device is linked).
type returnTrip struct {
	status     int
	title, msg string
	err        error
}

// finish handles a return trip.
func (h *LoginHandler) finish(ctx context.Context, q url.Values) returnTrip {
	ls, err := h.takeState(ctx, q.Get("state"))
	if err != nil {
		h.notifyOnly(err)
		return returnTrip{http.StatusBadRequest, "Linking failed",
			"This sign-in link is not valid: " + err.Message + ". Start again from the agent's login page.", err}
	}
	p := h.take(ls.Key)
	if p == nil && h.cfg.ClientFor != nil {
		if c, cerr := h.cfg.ClientFor(ls.Key); cerr == nil && c != nil {
			p = &pendingLogin{c: c, dev: Device{Model: ls.Key.DeviceModel, Serial: ls.Key.Serial, TestDevice: ls.TestDevice, NonLive: ls.NonLive}}
		}
	}
	if p == nil {
		return returnTrip{http.StatusServiceUnavailable, "Linking failed",
			"No login is in progress for this device any more. Start a login in the agent again.",
			&Error{Code: CodeGeneral, Op: "Login", Message: "no login is in progress for device " + ls.Key.DeviceModel + "/" + ls.Key.Serial}}
	}
	var tok Token
	var xerr error
	switch {
	case q.Get("error") != "":
		// The query comes from the browser: scrub it like any other
		// server-supplied text before it reaches a log or page.
		xerr = p.c.scrub(&Error{Code: CodeGeneral, Op: "Login", Message: "Login with Amazon refused the link",
			OAuthError: q.Get("error"), OAuthErrorDescription: q.Get("error_description")}, q.Get("code"))
	case q.Get("code") == "":
		xerr = &Error{Code: CodeGeneral, Op: "Login", Message: "the return trip carries no authorization code"}
	default:
		xctx, cancel := context.WithTimeout(ctx, exchangeTimeout)
		tok, xerr = p.c.Exchange(xctx, q.Get("code"), ls.RedirectURL)
		cancel()
	}
	p.done(xerr, tok)
	if xerr != nil {
		e := asError("Login", xerr)
		status := http.StatusBadGateway // the exchange with LWA failed
		if q.Get("error") != "" {
			status = http.StatusForbidden // the customer (or LWA) refused
		}
		return returnTrip{status, "Linking failed", "The device could not be linked: " +
			firstNonEmpty(e.OAuthErrorDescription, e.Message, e.OAuthError, "error code "+fmt.Sprint(e.Code)) + ".", xerr}
	}
	return returnTrip{http.StatusOK, "Device linked",
		fmt.Sprintf("Your device %s (%s) is now linked to your Amazon account. You can close this page.", p.dev.Serial, p.dev.Model), nil}
}

// takeState checks state's signature in constant time, then takes it from
// the store (once). The error is code 1010.
func (h *LoginHandler) takeState(ctx context.Context, state string) (store.LoginState, *Error) {
	id, sig, _ := strings.Cut(state, ".")
	if id == "" || !hmac.Equal([]byte(sig), []byte(h.sign(id))) {
		return store.LoginState{}, &Error{Code: CodeGeneral, Op: "Login", Message: "the state parameter is missing or was not issued by this agent"}
	}
	ls, err := h.cfg.States.TakeState(ctx, id, h.cfg.Now())
	if err != nil {
		return store.LoginState{}, &Error{Code: CodeGeneral, Op: "Login", Message: "this login link was already used or has expired"}
	}
	return ls, nil
}

// take removes and returns the running login for k, and forgets the other
// states it handed out.
func (h *LoginHandler) take(k store.Key) *pendingLogin {
	h.mu.Lock()
	p := h.running[k]
	var rest []string
	if p != nil {
		delete(h.running, k)
		rest = p.takeStates()
	}
	h.mu.Unlock()
	h.forget(rest)
	return p
}

// notifyOnly reports a refused return trip to the one running login, if
// there is exactly one, without ending it. With several logins running it
// cannot tell whose it was, and tells none.
func (h *LoginHandler) notifyOnly(err error) {
	h.mu.Lock()
	var only *pendingLogin
	if len(h.running) == 1 {
		for _, p := range h.running {
			only = p
		}
	}
	h.mu.Unlock()
	if only != nil && only.notify != nil {
		only.notify(err, Token{})
	}
}

func (p *pendingLogin) done(err error, tok Token) {
	p.c.login.Store(false)
	p.c.debugLog(context.Background(), "login finished", slog.Int("code", Code(err)))
	if p.notify != nil {
		p.notify(err, tok)
	}
}
