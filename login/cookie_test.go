package login_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/drssim/drssimtest"
	"github.com/amazondrs/drs/login"
)

// TestLoginCSRFRefused: a return URL produced in one browser (the
// attacker's, at Amazon with their own account) links nothing when opened
// in another, with or without a binding cookie of its own; it still works in
// the browser that started it.
func TestLoginCSRFRefused(t *testing.T) {
	s := emulator(t)
	c := emuClient(t, s)
	o := &outcome{}
	h, route := agent(t, login.Config{})
	link := start(t, h, c, drs.Device{Model: drssim.DefaultModel, Serial: "SN-csrf", TestDevice: true}, o.callback)
	attacker := stopBrowser(route)
	back := returnURL(t, attacker, link)

	fresh := drssimtest.NewBrowser("")
	p, err := fresh.Get(t.Context(), back)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != http.StatusBadRequest || p.Title() != "Open the link again in this browser" || !strings.Contains(p.Body, "Allow cookies") {
		t.Errorf("victim without a cookie: HTTP %d %q", p.Status, p.Title())
	}
	victim := stopBrowser(route)
	returnURL(t, victim, link) // the victim has a binding cookie of their own
	if st := getIn(t, victim, back); st != http.StatusBadRequest {
		t.Errorf("victim with their own cookie: HTTP %d, want 400", st)
	}
	if n := s.Requests(drssim.EndpointToken); n != 0 || c.RefreshToken() != "" {
		t.Fatalf("%d exchanges after the foreign return trips, want none", n)
	}
	if n, err := o.last(); n != 2 || drs.Code(err) != drs.CodeGeneral || !h.Running(c) {
		t.Errorf("callback heard %d refusals (%v), running %v; want 2 and the login running", n, err, h.Running(c))
	}
	// The refusals took no state: the browser that started it finishes.
	if st := getIn(t, attacker, back); st != http.StatusOK || c.RefreshToken() == "" {
		t.Errorf("own browser: HTTP %d, linked %v", st, c.RefreshToken() != "")
	}
}

func TestBindingCookie(t *testing.T) {
	c, _ := drs.New("id", "secret")
	dev := drs.Device{Model: "M", Serial: "S"}
	for _, tc := range []struct {
		redirect, startURL string
		name, path         string
		secure             bool
	}{
		{"https://drs.example.com/link/callback", "", "__Host-drs-login-", "/", true},
		{"http://127.0.0.1:8182/callback", "", "drs-login-", "/", false},
		{"http://127.0.0.1:8080/link/callback", "http://127.0.0.1:8080/link/start", "drs-login-", "/link/", false},
		{"http://127.0.0.1:8080/a/b/callback", "http://127.0.0.1:8080/a/c/start", "drs-login-", "/a/", false},
	} {
		h, err := login.New(login.Config{RedirectURL: tc.redirect, StartURL: tc.startURL})
		if err != nil {
			t.Fatal(err)
		}
		link, _ := h.Start(c, dev, nil)
		_, ck := startRec(t, h, link)
		if !strings.HasPrefix(ck.Name, tc.name) || len(ck.Name) != len(tc.name)+8 || ck.Path != tc.path || ck.Secure != tc.secure ||
			!ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Domain != "" || ck.MaxAge <= 0 {
			t.Errorf("%s: cookie %+v, want name %s..., path %s, secure %v, HttpOnly, SameSite=Lax, no domain", tc.redirect, ck, tc.name, tc.path, tc.secure)
		}
		// The same browser keeps its ID; a forged cookie gets a new one.
		req := httptest.NewRequest(http.MethodGet, link, nil)
		req.AddCookie(ck)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if again := rec.Result().Cookies(); len(again) != 1 || again[0].Value != ck.Value {
			t.Errorf("%s: a second visit changed the cookie: %v", tc.redirect, again)
		}
		forged := *ck
		forged.Value = strings.Repeat("A", 22) + ".forged"
		req = httptest.NewRequest(http.MethodGet, link, nil)
		req.AddCookie(&forged)
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if again := rec.Result().Cookies(); len(again) != 1 || again[0].Value == forged.Value {
			t.Errorf("%s: a forged cookie was kept", tc.redirect)
		}
		h.Cancel(c)
	}
	// Two handlers on one host use different names.
	a, _ := login.New(login.Config{RedirectURL: "http://127.0.0.1:8182/callback"})
	b, _ := login.New(login.Config{RedirectURL: "http://127.0.0.1:8182/other"})
	la, _ := a.Start(c, dev, nil)
	other, _ := drs.New("id", "secret")
	lb, _ := b.Start(other, dev, nil)
	if _, ca := startRec(t, a, la); func() bool { _, cb := startRec(t, b, lb); return ca.Name == cb.Name }() {
		t.Error("two handlers share a cookie name")
	}
}
