package login

// The browser binding: starting an attempt sets a cookie holding a random
// browser ID, and the attempt's state is signed together with it, so a
// return trip is exchanged only in the browser that started the attempt.
// The cookie carries the time it was made, under the MAC, and is refused
// maxLoginAge StateTTLs later for starting attempts (the longest a login's
// states live; return trips accept it one StateTTL longer), so
// cookies cannot pile up and get round the limits (see [Limits]).
// That stops login CSRF: a return URL that someone produced at Amazon with
// their own account, opened in another browser, links nothing.
//
// A browser that refuses cookies cannot finish through the route: its
// return trip is refused with a page asking to allow cookies for this site
// and open the link again (nothing is exchanged, its state stays valid).
// Such a customer can still be linked with the paste flow (drs login
// --paste), which holds the state in the process instead of the browser.

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// browserIDBytes is the size of a browser ID's randomness.
const browserIDBytes = 16

// cookieSpec is the binding cookie's name and attributes, fixed by Config.
type cookieSpec struct {
	name   string
	path   string
	secure bool
}

// newCookieSpec derives the cookie from the public URLs: Secure and a
// __Host- name (Path=/) when the redirect URL is https, since a server
// behind a TLS proxy never sees TLS itself; otherwise a path covering both
// the start URL and the callback. The name carries a hash of the redirect
// URL so that it cannot clash with other cookies on the host (another
// agent, another handler).
func newCookieSpec(redirectURL, startURL string) cookieSpec {
	sum := sha256.Sum256([]byte(redirectURL))
	tag := hex.EncodeToString(sum[:4])
	ru, _ := url.Parse(redirectURL)
	if ru.Scheme == "https" {
		return cookieSpec{name: "__Host-drs-login-" + tag, path: "/", secure: true}
	}
	su, _ := url.Parse(startURL)
	return cookieSpec{name: "drs-login-" + tag, path: commonDir(ru.EscapedPath(), su.EscapedPath())}
}

// commonDir returns the longest common prefix of a's and b's directories,
// ending in "/".
func commonDir(a, b string) string {
	dir := func(p string) string { return p[:strings.LastIndex(p, "/")+1] }
	a, b = dir(a), dir(b)
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	if d := dir(a[:n]); d != "" {
		return d
	}
	return "/"
}

// browserID returns the browser ID of r's binding cookie if it carries one
// this handler made (signed with the state key, with the time it was
// made) less than maxLoginAge StateTTLs ago, else "". The browser's
// MaxAge is not trusted: an old cookie kept by a client is refused here.
//
// A cookie starts attempts for maxLoginAge StateTTLs and is accepted on
// return trips one StateTTL longer, for an attempt started just before.
func (h *Handler) browserID(r *http.Request, returnTrip bool) string {
	id, _ := h.cookieOf(r, returnTrip)
	return id
}

// cookieOf returns the browser ID and issue time of r's valid binding
// cookie, or "".
func (h *Handler) cookieOf(r *http.Request, returnTrip bool) (string, time.Time) {
	c, err := r.Cookie(h.cookie.name)
	if err != nil {
		return "", time.Time{}
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 3 || len(parts[0]) != base64.RawURLEncoding.EncodedLen(browserIDBytes) ||
		!hmac.Equal([]byte(parts[2]), []byte(h.mac("browser", parts[0], parts[1]))) {
		return "", time.Time{}
	}
	sec, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return "", time.Time{}
	}
	issued, now := time.Unix(sec, 0), h.cfg.Now()
	age := h.cookieAge()
	if returnTrip {
		age += h.cfg.StateTTL
	}
	if !now.Before(issued.Add(age)) || issued.After(now.Add(time.Minute)) {
		return "", time.Time{}
	}
	return parts[0], issued
}

// cookieAge is how long a binding cookie starts attempts after it was made.
func (h *Handler) cookieAge() time.Duration { return maxLoginAge * h.cfg.StateTTL }

// bindBrowser returns r's browser ID, making one (and setting the cookie)
// if r has none valid. A valid cookie is sent again unchanged: its issue
// time, which the MAC covers, is never moved forward, so revisits cannot
// keep a cookie alive.
func (h *Handler) bindBrowser(w http.ResponseWriter, r *http.Request) string {
	id, issued := h.cookieOf(r, false)
	if id == "" {
		b := make([]byte, browserIDBytes)
		rand.Read(b)
		id, issued = base64.RawURLEncoding.EncodeToString(b), h.cfg.Now()
	}
	at := strconv.FormatInt(issued.Unix(), 10)
	left := issued.Add(h.cookieAge() + h.cfg.StateTTL).Sub(h.cfg.Now())
	http.SetCookie(w, &http.Cookie{
		Name: h.cookie.name, Value: id + "." + at + "." + h.mac("browser", id, at), Path: h.cookie.path,
		MaxAge: max(int(left/time.Second), 1), HttpOnly: true, Secure: h.cookie.secure,
		// Lax: the return trip is a top-level GET redirect from Amazon,
		// another site; Strict would withhold the cookie from it.
		SameSite: http.SameSiteLaxMode,
	})
	return id
}

// mac returns the base64url HMAC-SHA256 of kind and parts under the state
// key; kind separates the uses of the key.
func (h *Handler) mac(kind string, parts ...string) string {
	m := hmac.New(sha256.New, h.cfg.StateKey)
	m.Write([]byte(kind))
	for _, p := range parts {
		m.Write([]byte{0})
		m.Write([]byte(p))
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
