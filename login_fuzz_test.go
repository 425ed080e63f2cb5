package drs_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/login"
)

// Fuzz targets for the login return trip. In an input, the placeholder
// STATE stands for the state the handler just issued and STALE for one it
// issued and that expired, so the fuzzer reaches the paths behind a valid
// state. Whatever the query, the handler must not panic, must exchange a code
// only for the issued state (once: a replay exchanges nothing), and must
// answer a well-formed page or the redirect to LWA.

const (
	fzRedirectURL = "https://agent.example/callback"
	fzGoodCode    = "good-code"
)

// fzLogin is one running login on a fresh handler.
type fzLogin struct {
	h            *login.Handler
	c            *drs.Client
	link         string
	cookie       *http.Cookie // the binding cookie of the route's states
	valid, stale string
	fill         *strings.Replacer
}

// fzStartLogin starts a login; its states are issued by the route (a GET
// of the link) when route is true, else for Complete (AuthURL).
func fzStartLogin(t *testing.T, a *fzAmazon, route bool) *fzLogin {
	t.Helper()
	a.reset(nil, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.PostForm.Get("code") != fzGoodCode {
			w.WriteHeader(400)
			w.Write([]byte(`{"error":"invalid_grant","error_description":"The request has an invalid grant parameter : code"}`))
			return
		}
		w.Write([]byte(`{"access_token":"` + fzAccess + `","refresh_token":"` + fzRefresh + `","token_type":"bearer","expires_in":3600}`))
	})
	c, _ := a.client(t)
	c.SetToken(drs.Token{})
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	h, err := login.New(login.Config{RedirectURL: fzRedirectURL, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	link, err := h.Start(c, drs.Device{Model: "fuzz-model", Serial: "SN-1", TestDevice: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	l := &fzLogin{h: h, c: c, link: link}
	now = now.Add(-time.Hour)
	l.stale = l.issue(t, route)
	now = now.Add(time.Hour)
	l.valid = l.issue(t, route)
	l.fill = strings.NewReplacer("STATE", l.valid, "STALE", l.stale, "LINK", strings.TrimPrefix(link, fzRedirectURL+"?link="))
	return l
}

func (l *fzLogin) issue(t *testing.T, route bool) string {
	t.Helper()
	var u string
	if route {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, l.link, nil)
		if l.cookie != nil {
			req.AddCookie(l.cookie) // one browser: both states are bound to it
		}
		l.h.ServeHTTP(rec, req)
		u = rec.Header().Get("Location")
		if cs := rec.Result().Cookies(); len(cs) == 1 {
			l.cookie = cs[0] // as a browser, keep the newest (a cookie made an hour earlier is refused)
		}
	} else {
		var err error
		if u, err = l.h.AuthURL(context.Background(), l.c); err != nil {
			t.Fatal(err)
		}
	}
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return pu.Query().Get("state")
}

// exchanges returns the codes of the authorization-code grants a received.
func (a *fzAmazon) exchanges() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var codes []string
	for _, g := range a.grants {
		if g.Get("grant_type") == "authorization_code" {
			codes = append(codes, g.Get("code"))
		}
	}
	return codes
}

// fzExpect says what a return trip with query q must do.
func (l *fzLogin) expect(q url.Values) (exchange, linked bool) {
	exchange = q.Get("state") == l.valid && q.Get("error") == "" && q.Get("code") != ""
	return exchange, exchange && q.Get("code") == fzGoodCode
}

func (l *fzLogin) checkExchanges(t *testing.T, a *fzAmazon, q url.Values, exchange bool) {
	t.Helper()
	codes := a.exchanges()
	switch {
	case !exchange && len(codes) != 0:
		t.Fatalf("state %q (issued %q): exchanged codes %q without the issued state", q.Get("state"), l.valid, codes)
	case exchange && (len(codes) != 1 || codes[0] != q.Get("code")):
		t.Fatalf("exchanged codes %q, want exactly [%q]", codes, q.Get("code"))
	}
}

var fzPageRe = regexp.MustCompile(`\A<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">[^\n]*\n<title>([^<>]*)</title>\n<style>[^<>]*</style></head>\n<body><h1 id="title" class="(ok|bad)">([^<>]*)</h1><p id="message">([^<>]*)</p></body></html>\n\z`)

// fzCheckAnswer checks an answer of the route: the redirect to LWA, or a
// well-formed page.
func fzCheckAnswer(t *testing.T, a *fzAmazon, rec *httptest.ResponseRecorder, input string) {
	t.Helper()
	if rec.Code == http.StatusFound {
		loc := rec.Header().Get("Location")
		if !strings.HasPrefix(loc, a.endpoints().AuthURL+"?") {
			t.Fatalf("redirect to %q, want LWA", loc)
		}
		return
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Fatalf("status %d, Content-Type %q", rec.Code, ct)
	}
	body := rec.Body.String()
	if !utf8.ValidString(body) {
		t.Fatalf("page is not valid UTF-8: %q", body)
	}
	for _, r := range body {
		if r != '\n' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029') {
			t.Fatalf("page holds control character %U: %q", r, body)
		}
	}
	m := fzPageRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("status %d: page is not the page template: %q", rec.Code, body)
	}
	if m[1] != m[3] || (m[2] == "ok") != (rec.Code == http.StatusOK) {
		t.Fatalf("status %d: title %q / %q, class %q", rec.Code, m[1], m[3], m[2])
	}
	if len(body) > 8<<10 {
		t.Fatalf("page is %d bytes for a %d-byte input", len(body), len(input))
	}
	fzCheckSecrets(t, "login page", body, []byte(input))
}

func FuzzLoginCallback(f *testing.F) {
	for _, s := range []string{
		"",
		"serial=SN-1",
		"serial=other",
		"link=LINK",
		"link=LINKx",
		"code=" + fzGoodCode + "&state=STATE",
		"code=" + fzGoodCode + "&state=STATE&scope=dash%3Areplenish",
		"code=bad-code&state=STATE",
		"code=" + fzGoodCode + "&state=STALE",
		"code=" + fzGoodCode,
		"code=" + fzGoodCode + "&state=forged.signature",
		"code=" + fzGoodCode + "&state=STATEx",
		"code=" + fzGoodCode + "&state=forged&state=STATE",
		"state=STATE",
		"state=STATE&code=",
		"error=access_denied&error_description=The+user+denied&state=STATE",
		"error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E%0A%FF%00&state=STATE",
		"error=x&state=STATE&code=" + fzGoodCode,
		"state=STATE;code=" + fzGoodCode,
		"code=%zz&state=STATE",
		"state=.",
		"state=..&code=1",
	} {
		f.Add(s)
	}
	a := newFzAmazon(f)
	f.Fuzz(func(t *testing.T, raw string) {
		l := fzStartLogin(t, a, true)
		query := l.fill.Replace(raw)
		q, _ := url.ParseQuery(query)
		exchange, linked := l.expect(q)
		for i := range 2 { // the second is a replay
			req := (&http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/callback", RawQuery: query},
				Header: http.Header{}, Host: "agent.example", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}).WithContext(t.Context())
			req.AddCookie(l.cookie)
			rec := httptest.NewRecorder()
			l.h.ServeHTTP(rec, req)
			fzCheckAnswer(t, a, rec, raw)
			l.checkExchanges(t, a, q, exchange)
			if i == 0 && (rec.Code == http.StatusOK) != linked {
				t.Fatalf("query %q: status %d, linked should be %v", query, rec.Code, linked)
			}
			if i == 1 && rec.Code == http.StatusOK {
				t.Fatalf("query %q: replay answered 200", query)
			}
		}
		if linked && l.c.RefreshToken() != fzRefresh {
			t.Fatalf("linked, but the Client holds refresh token %q", l.c.RefreshToken())
		}
		if !linked && l.c.RefreshToken() != "" {
			t.Fatal("not linked, but the Client holds a refresh token")
		}
	})
}

func FuzzLoginComplete(f *testing.F) {
	for _, s := range []string{
		fzRedirectURL + "?code=" + fzGoodCode + "&state=STATE",
		"  " + fzRedirectURL + "?code=" + fzGoodCode + "&state=STATE&scope=dash%3Areplenish\n",
		"http://elsewhere.example/x?code=" + fzGoodCode + "&state=STATE#frag",
		"?code=" + fzGoodCode + "&state=STATE",
		fzRedirectURL + "?code=bad&state=STATE",
		fzRedirectURL + "?code=" + fzGoodCode + "&state=STALE",
		fzRedirectURL + "?code=" + fzGoodCode,
		fzRedirectURL + "?error=access_denied&error_description=no%0Athanks&state=STATE",
		fzRedirectURL + "#code=" + fzGoodCode + "&state=STATE",
		"%zz?code=" + fzGoodCode + "&state=STATE",
		"http://[::1",
		"",
		"code=" + fzGoodCode + "&state=STATE",
	} {
		f.Add(s)
	}
	a := newFzAmazon(f)
	f.Fuzz(func(t *testing.T, raw string) {
		l := fzStartLogin(t, a, false)
		in := l.fill.Replace(raw)
		var q url.Values
		if u, err := url.Parse(strings.TrimSpace(in)); err == nil {
			q = u.Query()
		}
		exchange, linked := l.expect(q)
		for i := range 2 { // the second is a replay
			_, err := l.h.Complete(t.Context(), l.c, in)
			l.checkExchanges(t, a, q, exchange)
			if err == nil {
				if i == 1 || !linked {
					t.Fatalf("Complete(%q) #%d succeeded; linked should be %v", in, i, linked)
				}
				continue
			}
			if i == 0 && linked {
				t.Fatalf("Complete(%q) failed: %v", in, err)
			}
			// A failed exchange reports LWA's HTTP status (the fake answers
			// 400 invalid_grant to a bad code); anything else is 1010.
			want := drs.CodeGeneral
			if i == 0 && exchange {
				want = http.StatusBadRequest
			}
			if e := fzCheckError(t, err, []byte(raw)); e.Code != want {
				t.Fatalf("Complete error code %d, want %d: %v", e.Code, want, err)
			}
		}
	})
}
