package login

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/store"
)

// pasteBinding binds the states AuthURL issues: no cookie value (base64url)
// can equal it, so the route never accepts them.
const pasteBinding = "paste!"

// attempt is what starting one visit needs: the Client, the device and the
// link it came from.
type attempt struct {
	c    *drs.Client
	dev  drs.Device
	key  store.Key
	name string
	p    *pending // nil for a store-backed link
}

func attemptOf(p *pending) attempt {
	return attempt{c: p.c, dev: p.dev, key: p.key, name: p.name, p: p}
}

// StartHandler returns the handler of links: a GET of /link/{id} (the
// pattern's {id}) or of any path with ?link=ID starts an attempt and
// redirects to LWA.
func (h *Handler) StartHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !onlyGET(w, r) {
			return
		}
		id := r.PathValue("id")
		if id == "" {
			id = r.URL.Query().Get("link")
		}
		h.start(w, r, id)
	})
}

// CallbackHandler returns the handler of the return trip from LWA, to mount
// at Config.RedirectURL's path.
func (h *Handler) CallbackHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if onlyGET(w, r) {
			h.callback(w, r)
		}
	})
}

// ServeHTTP serves both on one route (the seed's layout): ?link=ID starts an
// attempt, a query with state, code or error is the return trip.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !onlyGET(w, r) {
		return
	}
	q := r.URL.Query()
	if q.Has("state") || q.Has("code") || q.Has("error") {
		h.callback(w, r)
		return
	}
	h.start(w, r, q.Get("link"))
}

// onlyGET answers anything but GET with 405, changing nothing: a HEAD (a
// link preview, a crawler) must neither start an attempt nor spend a code.
func onlyGET(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet {
		return true
	}
	w.Header().Set("Allow", http.MethodGet)
	writePage(w, http.StatusMethodNotAllowed, "Method not allowed", "Open this address in a browser.")
	return false
}

// start serves a visit of the link id.
func (h *Handler) start(w http.ResponseWriter, r *http.Request, id string) {
	a, status, msg := h.resolve(r.Context(), id)
	if status != 0 {
		writePage(w, status, "Cannot start linking", msg)
		return
	}
	if capped, wait := h.limit.allow(h.cfg.Now(), a.name, h.browserID(r, false)); capped != "" {
		mins := int(wait/time.Minute) + 1
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
		writePage(w, http.StatusTooManyRequests, "Too many sign-in attempts",
			fmt.Sprintf("%s If you already signed in at Amazon, finish there; otherwise open the link again in %d minute(s).", capped, mins))
		return
	}
	u, err := h.newAttempt(r.Context(), a, h.bindBrowser(w, r))
	if err != nil {
		writePage(w, http.StatusServiceUnavailable, "Cannot start linking", "The login could not be started just now. Open the link again in a moment.")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, u, http.StatusFound)
}

// resolve finds the login a link ID is for, checking the ID in constant
// time; on failure it returns the page's status and message.
func (h *Handler) resolve(ctx context.Context, id string) (attempt, int, string) {
	name := linkName(id)
	h.mu.Lock()
	none := len(h.running) == 0
	var p *pending
	for _, v := range h.running {
		if name != "" && v.name == name && hashMatches(id, v.hash) && !v.abandoned(h.cfg.Now()) {
			p = v
		}
	}
	h.mu.Unlock()
	if p != nil {
		return attemptOf(p), 0, ""
	}
	if h.cfg.Links != nil && name != "" {
		l, err := h.cfg.Links.GetLink(ctx, name)
		switch {
		case err == nil && hashMatches(id, l.Hash) && !l.Used.IsZero():
			return attempt{}, http.StatusGone, "This device is already linked through this link. If it must be linked again, ask for a new link."
		case err == nil && hashMatches(id, l.Hash):
			c, cerr := h.cfg.ClientFor(l.Key())
			if cerr != nil || c == nil {
				return attempt{}, http.StatusServiceUnavailable, "The service cannot link this device just now. Open the link again in a moment."
			}
			return attempt{c: c, dev: l.Device, key: l.Key(), name: name}, 0, ""
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return attempt{}, http.StatusServiceUnavailable, "The service cannot look up this link just now. Open the link again in a moment."
		}
	}
	if none && h.cfg.Links == nil {
		return attempt{}, http.StatusServiceUnavailable, "No device login is in progress. Start a login in the agent, then open the address it shows."
	}
	return attempt{}, http.StatusNotFound, "This link is not valid: it is incomplete, was replaced by a newer one, or its login ended. Ask for a new link."
}

// inProcessMark prefixes the LoginState.Link of an attempt of an
// in-process link. No link name (base64url) holds it, so a return trip,
// on whichever instance, tells an in-process attempt (nothing to claim)
// from one of a store-backed link (claimed with UseLink before exchanging).
const inProcessMark = "~"

func inProcess(name string) string { return inProcessMark + name }

// newAttempt stores a fresh state with a PKCE verifier for a and returns
// the LWA authorize URL carrying it, signed and bound to binding.
func (h *Handler) newAttempt(ctx context.Context, a attempt, binding string) (string, error) {
	b := make([]byte, 18)
	rand.Read(b)
	sid := base64.RawURLEncoding.EncodeToString(b)
	verifier := drs.GenerateVerifier()
	now := h.cfg.Now()
	ls := store.LoginState{Key: a.key, TestDevice: a.dev.TestDevice, NonLive: a.dev.NonLive,
		RedirectURL: h.cfg.RedirectURL, Verifier: verifier, Link: a.name, Expires: now.Add(h.cfg.StateTTL)}
	if p := a.p; p != nil {
		ls.Link = inProcess(a.name)
		// A state never outlives its login: the login is abandoned
		// maxLoginAge StateTTLs after Start at the latest.
		if limit := p.started.Add(maxLoginAge * h.cfg.StateTTL); ls.Expires.After(limit) {
			ls.Expires = limit
		}
		if !ls.Expires.After(now) {
			return "", &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: "the login ended: call Start again"}
		}
	}
	if err := h.cfg.States.PutState(ctx, sid, ls); err != nil {
		return "", &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: "saving the login state", Err: err}
	}
	if p := a.p; p != nil {
		h.mu.Lock()
		if h.running[p.key] != p {
			h.mu.Unlock()
			return "", &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: "the login ended: call Start again"}
		}
		if ls.Expires.After(p.validUntil) {
			p.validUntil = ls.Expires
		}
		if binding == pasteBinding {
			if len(p.paste) >= maxPasteStates {
				clear(p.paste)
			}
			p.paste[sid] = true
		}
		h.mu.Unlock()
	}
	return a.c.AuthCodeURL(sid+"."+h.sign(sid, binding), a.dev, h.cfg.RedirectURL, drs.WithPKCE(verifier))
}
