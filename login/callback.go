package login

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/store"
)

// outcome is the end of a return trip: the page to show and the error
// reported (nil once the device is linked).
type outcome struct {
	status     int
	title, msg string
	err        error
	tok        drs.Token
}

// callback serves the return trip.
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	// Once the state is taken, the code is good only once: finish the
	// exchange even if the customer's browser goes away meanwhile.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), finishTimeout+h.cfg.SaveRetry)
	defer cancel()
	q := r.URL.Query()
	var res outcome
	if browser := h.browserID(r, true); browser == "" && q.Has("state") {
		res = outcome{status: http.StatusBadRequest, title: "Open the link again in this browser",
			msg: "This browser did not bring back the cookie this sign-in started with, so nothing was linked. " +
				"Allow cookies for this site, then open the link you were given again in this browser.",
			err: &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: "the return trip carries no login cookie: it did not come from the browser that started the attempt"}}
		h.notifyOnly(res.err)
	} else {
		res = h.returnTrip(ctx, q, browser)
	}
	writePage(w, res.status, res.title, res.msg)
}

// Complete finishes the login running for c from the URL the customer's
// browser landed on (drs login --paste): the state must be one that
// [Handler.AuthURL] issued to this process for c; it is checked, used once
// and exchanged as the route does. A refused URL (not a return trip, a
// forged, replayed or expired state) is code 1010 and the login keeps
// running; an LWA refusal or a failed exchange ends it like a return trip.
func (h *Handler) Complete(ctx context.Context, c *drs.Client, pastedURL string) (drs.Token, error) {
	u, err := url.Parse(strings.TrimSpace(pastedURL))
	if err != nil {
		return drs.Token{}, &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: "the pasted text is not a URL"}
	}
	p := h.find(c)
	if p == nil {
		return drs.Token{}, &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: "no login is running for this client: call Start first"}
	}
	q := u.Query()
	id, _, _ := strings.Cut(q.Get("state"), ".")
	h.mu.Lock()
	mine := p.paste[id]
	h.mu.Unlock()
	if !mine {
		return drs.Token{}, &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: "the pasted URL does not carry a state this login issued"}
	}
	res := h.returnTrip(ctx, q, pasteBinding)
	return res.tok, res.err
}

// refused is the outcome of a return trip that is not exchanged.
func refused(msg string) outcome {
	return outcome{status: http.StatusBadRequest, title: "Linking failed",
		msg: "This sign-in link is not valid: " + msg + ". Open the link you were given again.",
		err: &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: msg}}
}

// returnTrip checks the state (signed, bound to binding, used once) and
// exchanges the code.
func (h *Handler) returnTrip(ctx context.Context, q url.Values, binding string) outcome {
	id, sig, _ := strings.Cut(q.Get("state"), ".")
	if id == "" || !hmac.Equal([]byte(sig), []byte(h.sign(id, binding))) {
		res := refused("the state parameter is missing or was not issued for this browser")
		h.notifyOnly(res.err)
		return res
	}
	ls, err := h.cfg.States.TakeState(ctx, id, h.cfg.Now())
	if err != nil {
		res := refused("this sign-in was already used or has expired")
		if !errors.Is(err, store.ErrNotFound) {
			res = outcome{status: http.StatusServiceUnavailable, title: "Linking failed",
				msg: "The service cannot check this sign-in just now. Open the link you were given again.",
				err: &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: "taking the login state", Err: err}}
		}
		h.notifyOnly(res.err)
		return res
	}
	dev := drs.Device{Model: ls.Key.DeviceModel, Serial: ls.Key.Serial, TestDevice: ls.TestDevice, NonLive: ls.NonLive}
	p := h.take(ls)
	var c *drs.Client
	if p != nil {
		c = p.c
	} else if h.cfg.ClientFor != nil {
		c, err = h.cfg.ClientFor(ls.Key)
		if err != nil || c == nil {
			if err == nil {
				err = errors.New("ClientFor returned no client")
			}
			h.cfg.Logger.LogAttrs(ctx, slog.LevelError, "login: no client for a return trip",
				slogString("device", ls.Key.String()), slogString("error", err.Error()))
			return outcome{status: http.StatusServiceUnavailable, title: "Linking failed",
				msg: "The service cannot link this device just now. Try again in a moment: open the link you were given again.",
				err: &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: "no client for device " + dev.Model + "/" + dev.Serial, Err: err}}
		}
	}
	if c == nil {
		return outcome{status: http.StatusServiceUnavailable, title: "Linking failed",
			msg: "No login is in progress for this device any more. Open the link you were given again.",
			err: &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: "no login is in progress for device " + dev.Model + "/" + dev.Serial}}
	}
	res := h.exchange(ctx, c, dev, ls, q)
	if p != nil {
		p.finish(res.err, res.tok)
	}
	return res
}

// take ends and returns the in-process login ls belongs to, if it runs here.
func (h *Handler) take(ls store.LoginState) *pending {
	h.mu.Lock()
	p := h.running[ls.Key]
	if p == nil || inProcess(p.name) != ls.Link {
		h.mu.Unlock()
		return nil
	}
	h.mu.Unlock()
	if p = h.end(p); p != nil {
		close(p.taken)
	}
	return p
}

// exchange finishes a return trip whose state was valid.
func (h *Handler) exchange(ctx context.Context, c *drs.Client, dev drs.Device, ls store.LoginState, q url.Values) outcome {
	code := q.Get("code")
	var tok drs.Token
	var xerr error
	switch {
	case q.Get("error") != "":
		xerr = &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: "Login with Amazon refused the link",
			OAuthError: clean(q.Get("error"), code), OAuthErrorDescription: clean(q.Get("error_description"), code)}
	case code == "":
		xerr = &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: "the return trip carries no authorization code"}
	default:
		claimed, res := h.claim(ctx, ls)
		if res != nil {
			return *res
		}
		xctx, cancel := context.WithTimeout(ctx, exchangeTimeout)
		tok, xerr = c.Exchange(xctx, code, ls.RedirectURL, drs.WithPKCE(ls.Verifier))
		cancel()
		if errors.Is(xerr, drs.ErrTokenNotSaved) && h.retrySave(ctx, c) {
			xerr = nil
		}
		if xerr != nil && !claimed.IsZero() {
			// Not linked, or linked but not saved: leave the link usable,
			// so that a new attempt can link the device (again, if the
			// token is lost at a restart).
			if err := h.cfg.Links.ReleaseLink(ctx, ls.Link, claimed); err != nil {
				h.cfg.Logger.LogAttrs(ctx, slog.LevelError, "login: a link whose exchange failed could not be released",
					slogString("device", ls.Key.String()), slogString("error", err.Error()))
			}
		}
	}
	if errors.Is(xerr, drs.ErrTokenNotSaved) {
		// Amazon linked the device; the Client keeps the token. The
		// operator learns it from Config.Logger (device and error, no token).
		h.cfg.Logger.LogAttrs(ctx, slog.LevelError, "login: the device is linked but its token could not be saved",
			slogString("device", ls.Key.String()), slogString("error", xerr.Error()))
		return outcome{status: http.StatusInternalServerError, title: "Device linked, but not saved", err: xerr, tok: tok,
			msg: fmt.Sprintf("Amazon linked your device %s (%s) to your account, but this service could not save the link "+
				"(it kept trying for %s). The device works for now, and the service's operator has been told. "+
				"If the device later says it is not linked, open the link you were given again.", dev.Serial, dev.Model, h.cfg.SaveRetry)}
	}
	if xerr != nil {
		var e *drs.Error
		if !errors.As(xerr, &e) {
			e = &drs.Error{Code: drs.Code(xerr), Message: xerr.Error()}
		}
		status := http.StatusBadGateway // the exchange with LWA failed
		if q.Get("error") != "" {
			status = http.StatusForbidden // the customer (or LWA) refused
		}
		return outcome{status: status, title: "Linking failed", err: xerr, msg: "The device could not be linked: " +
			firstNonEmpty(e.OAuthErrorDescription, e.Message, e.OAuthError, "error code "+fmt.Sprint(e.Code)) + "."}
	}
	return outcome{status: http.StatusOK, title: "Device linked", tok: tok,
		msg: fmt.Sprintf("Your device %s (%s) is now linked to your Amazon account. You can close this page.", dev.Serial, dev.Model)}
}

// claim claims the store-backed link of ls (UseLink) before its code is
// exchanged, so that a link links its device once: of concurrent return
// trips of one link, one exchanges, and an attempt started before the link
// was used or replaced (NewLink) is refused. It returns the claim's time
// (zero for an attempt with no store-backed link), or the outcome of a
// refused claim.
func (h *Handler) claim(ctx context.Context, ls store.LoginState) (time.Time, *outcome) {
	if ls.Link == "" || strings.HasPrefix(ls.Link, inProcessMark) || h.cfg.Links == nil {
		return time.Time{}, nil
	}
	t := h.cfg.Now()
	err := h.cfg.Links.UseLink(ctx, ls.Link, t)
	switch {
	case err == nil:
		return t, nil
	case errors.Is(err, ErrLinkUsed):
		return time.Time{}, &outcome{status: http.StatusGone, title: "Linking failed",
			msg: "This device is already linked through this link. If it must be linked again, ask for a new link.",
			err: &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: "the link was already used: nothing was exchanged"}}
	case errors.Is(err, store.ErrNotFound):
		return time.Time{}, &outcome{status: http.StatusGone, title: "Linking failed",
			msg: "This link was replaced by a newer one, so nothing was linked. Ask for a new link.",
			err: &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: "the link was replaced: nothing was exchanged"}}
	}
	h.cfg.Logger.LogAttrs(ctx, slog.LevelError, "login: a link could not be claimed",
		slogString("device", ls.Key.String()), slogString("error", err.Error()))
	return time.Time{}, &outcome{status: http.StatusServiceUnavailable, title: "Linking failed",
		msg: "The service cannot check this link just now. Try again in a moment: open the link you were given again.",
		err: &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: "claiming the link", Err: err}}
}

// notifyOnly reports a refused return trip to the callback of the one
// running login, if there is exactly one, without ending it.
func (h *Handler) notifyOnly(err error) {
	h.mu.Lock()
	var only *pending
	if len(h.running) == 1 {
		for _, p := range h.running {
			only = p
		}
	}
	h.mu.Unlock()
	if only != nil && only.notify != nil {
		only.notify(err, drs.Token{})
	}
}

// clean makes text from the return trip's query safe to keep: the code it
// may quote is removed, and it is made printable.
func clean(s, code string) string {
	if code != "" {
		s = strings.ReplaceAll(s, code, "[redacted]")
	}
	return printable(s)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// retrySave retries saving c's token with backoff (100ms doubling to 2s)
// for at most SaveRetry; it reports whether a save succeeded.
func (h *Handler) retrySave(ctx context.Context, c *drs.Client) bool {
	deadline := time.Now().Add(h.cfg.SaveRetry)
	for wait := 100 * time.Millisecond; time.Now().Add(wait).Before(deadline); wait = min(2*wait, 2*time.Second) {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		if c.SaveToken() == nil {
			return true
		}
	}
	return false
}
