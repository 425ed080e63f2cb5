package login_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/drssim/drssimtest"
	"github.com/amazondrs/drs/login"
)

func TestLoginHappyPath(t *testing.T) {
	s := emulator(t)
	c := emuClient(t, s)
	h, route := agent(t, login.Config{})
	o := &outcome{}
	dev := drs.Device{Model: drssim.DefaultModel, Serial: "SN-happy", TestDevice: true}
	link := start(t, h, c, dev, o.callback)
	if !strings.HasPrefix(link, route+"?link=") {
		t.Fatalf("Start = %q, want %s?link=...", link, route)
	}
	// A second login on the same client, or for the same device, is 1001.
	other := emuClient(t, s)
	for _, cl := range []*drs.Client{c, other} {
		if _, err := h.Start(cl, dev, nil); drs.Code(err) != drs.CodeLoginInProgress || !errors.Is(err, drs.ErrLoginInProgress) {
			t.Fatalf("second Start: %v, want code 1001", err)
		}
	}
	page, err := drssimtest.NewBrowser("").Link(t.Context(), link, "allow")
	if err != nil {
		t.Fatal(err)
	}
	if page.Status != 200 || !strings.Contains(page.Body, "Device linked") || !strings.Contains(page.Body, "SN-happy") {
		t.Fatalf("landed on HTTP %d: %s", page.Status, page.Body)
	}
	if n, err := o.last(); err != nil || n != 1 || o.tok.RefreshToken == "" || c.RefreshToken() != o.tok.RefreshToken {
		t.Fatalf("callback got err=%v after %d calls, token set=%v", err, n, c.RefreshToken() != "")
	}
	if res, err := c.Replenish(t.Context(), "coffee-beans"); err != nil || res.DetailCode != drs.TestOrderPlaced {
		t.Errorf("Replenish = %+v, %v; want TEST_ORDER_PLACED", res, err)
	}
	// Once the login ended, the link and the route answer 503 until Start.
	for _, u := range []string{route, link} {
		if st := get(t, u); st != http.StatusServiceUnavailable {
			t.Errorf("GET %s after the login: HTTP %d, want 503", u, st)
		}
	}
	if _, err := h.Start(c, dev, nil); err != nil {
		t.Errorf("Start after a finished login: %v", err)
	}
}

// TestLinkIsTheCapability: the public route does not start a login without
// the link's ID, whoever knows the device's model and serial.
func TestLinkIsTheCapability(t *testing.T) {
	s := emulator(t)
	c := emuClient(t, s)
	h, route := agent(t, login.Config{})
	link := start(t, h, c, drs.Device{Model: drssim.DefaultModel, Serial: "SN-cap"}, nil)
	id := strings.TrimPrefix(link, route+"?link=")
	flip := []byte(id)
	flip[len(flip)-1] ^= 1
	for _, u := range []string{route, route + "?serial=SN-cap", route + "?link=" + id[:12], route + "?link=" + string(flip), route + "?link=" + id + "x"} {
		if st := get(t, u); st != http.StatusNotFound {
			t.Errorf("GET %s: HTTP %d, want 404", u, st)
		}
	}
	if s.Requests(drssim.EndpointAuthorize) != 0 {
		t.Error("a request without the link reached LWA")
	}
	stateOf(t, link) // the real link works
}

func TestOnlyGETHasEffects(t *testing.T) {
	s := emulator(t)
	c := emuClient(t, s)
	states := newCountingStates()
	h, route := agent(t, login.Config{States: states})
	link := start(t, h, c, drs.Device{Model: drssim.DefaultModel, Serial: "SN-head", TestDevice: true}, nil)
	b := stopBrowser(route)
	back := returnURL(t, b, link)
	before := states.count()
	for _, m := range []string{http.MethodHead, http.MethodPost, http.MethodPut, http.MethodOptions} {
		for _, u := range []string{link, back} {
			req, _ := http.NewRequest(m, u, nil)
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET" {
				t.Errorf("%s %s: HTTP %d Allow %q, want 405 Allow GET", m, u, resp.StatusCode, resp.Header.Get("Allow"))
			}
		}
	}
	if n := s.Requests(drssim.EndpointToken); n != 0 || states.count() != before {
		t.Fatalf("other methods: %d exchanges, %d states added; want none", n, states.count()-before)
	}
	if st := getIn(t, b, back); st != http.StatusOK || c.RefreshToken() == "" {
		t.Errorf("the GET return trip after them: HTTP %d, linked %v", st, c.RefreshToken() != "")
	}
}

func TestLoginDenied(t *testing.T) {
	s := emulator(t)
	c := emuClient(t, s)
	h, _ := agent(t, login.Config{})
	link := start(t, h, c, drs.Device{Model: drssim.DefaultModel, Serial: "SN-deny"}, nil)
	done := make(chan error, 1)
	go func() { _, err := h.Wait(t.Context(), c); done <- err }()
	page, err := drssimtest.NewBrowser("").Link(t.Context(), link, "deny")
	if err != nil {
		t.Fatal(err)
	}
	if page.Status != http.StatusForbidden || !strings.Contains(page.Body, "could not be linked") {
		t.Errorf("landed on HTTP %d: %s", page.Status, page.Body)
	}
	var e *drs.Error
	if err := <-done; !errors.As(err, &e) || e.Code != drs.CodeGeneral || e.OAuthError != "access_denied" {
		t.Fatalf("Wait = %v, want code 1010 access_denied", err)
	}
	if c.RefreshToken() != "" || s.Requests(drssim.EndpointToken) != 0 {
		t.Errorf("a denied login exchanged a code")
	}
}

func TestLoginForgedAndReplayedState(t *testing.T) {
	s := emulator(t)
	c := emuClient(t, s)
	h, route := agent(t, login.Config{})
	o := &outcome{}
	link := start(t, h, c, drs.Device{Model: drssim.DefaultModel, Serial: "SN-forge", TestDevice: true}, o.callback)
	for _, q := range []string{"?code=abc&state=forged.sig", "?code=abc", "?code=abc&state=" + url.QueryEscape("x.y")} {
		if st := get(t, route+q); st != 400 {
			t.Errorf("%s: HTTP %d, want 400", q, st)
		}
	}
	if s.Requests(drssim.EndpointToken) != 0 {
		t.Fatal("a forged state led to a code exchange")
	}
	if n, err := o.last(); drs.Code(err) != drs.CodeGeneral || n != 3 {
		t.Errorf("callback: %v after %d calls, want code 1010 three times", err, n)
	}
	if !h.Running(c) {
		t.Error("a forged state ended the login")
	}
	b := stopBrowser(route)
	back := returnURL(t, b, link)
	for i, want := range []int{200, 400} {
		if st := getIn(t, b, back); st != want {
			t.Errorf("return trip %d: HTTP %d, want %d", i+1, st, want)
		}
	}
	if n := s.Requests(drssim.EndpointToken); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
	if h.Running(c) {
		t.Error("the login still runs after the device was linked")
	}
}

func TestLoginExpiredCodeAndState(t *testing.T) {
	s := emulator(t)
	c := emuClient(t, s)
	clk := newClock()
	h, route := agent(t, login.Config{Now: clk.Now, StateTTL: 30 * time.Minute})
	dev := drs.Device{Model: drssim.DefaultModel, Serial: "SN-exp"}
	link := start(t, h, c, dev, nil)
	b := stopBrowser(route)
	back := returnURL(t, b, link)
	s.Advance(6 * time.Minute) // the code lives 5 minutes
	done := make(chan error, 1)
	go func() { _, err := h.Wait(t.Context(), c); done <- err }()
	if st := getIn(t, b, back); st != http.StatusBadGateway {
		t.Errorf("expired code: HTTP %d, want 502", st)
	}
	var e *drs.Error
	if err := <-done; !errors.As(err, &e) || e.Code != 400 || e.OAuthError != "invalid_grant" {
		t.Errorf("Wait = %v, want code 400 invalid_grant", err)
	}
	// An expired state is refused before any exchange.
	link = start(t, h, c, dev, nil)
	back = returnURL(t, b, link)
	clk.advance(31 * time.Minute)
	before := s.Requests(drssim.EndpointToken)
	if st := getIn(t, b, back); st != 400 || s.Requests(drssim.EndpointToken) != before {
		t.Errorf("expired state: HTTP %d, token requests +%d; want 400 and none", st, s.Requests(drssim.EndpointToken)-before)
	}
}

func TestLoginManyDevicesOneRoute(t *testing.T) {
	s := emulator(t)
	h, _ := agent(t, login.Config{})
	clients, links := map[string]*drs.Client{}, map[string]string{}
	for _, serial := range []string{"SN-a", "SN-b", "SN-c"} {
		c := emuClient(t, s)
		clients[serial] = c
		links[serial] = start(t, h, c, drs.Device{Model: drssim.DefaultModel, Serial: serial, TestDevice: true}, nil)
	}
	for serial, c := range clients {
		page, err := drssimtest.NewBrowser("").Link(t.Context(), links[serial], "allow")
		if err != nil || page.Status != 200 {
			t.Fatalf("%s: %v %v", serial, err, page)
		}
		if _, err := c.Replenish(t.Context(), "coffee-beans"); err != nil {
			t.Errorf("%s: %v", serial, err)
		}
	}
	for _, o := range s.Orders() {
		if _, ok := clients[o.Serial]; !ok {
			t.Errorf("unexpected order %+v", o)
		}
	}
	if n := len(s.Orders()); n != 3 {
		t.Errorf("orders = %d, want 3", n)
	}
}

func TestLoginComplete(t *testing.T) {
	s := emulator(t)
	c := emuClient(t, s)
	o := &outcome{}
	h, route := agent(t, login.Config{})
	start(t, h, c, drs.Device{Model: drssim.DefaultModel, Serial: "SN-paste", TestDevice: true}, o.callback)
	authURL, err := h.AuthURL(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	if q, _ := url.Parse(authURL); q.Query().Get("code_challenge_method") != "S256" || len(q.Query().Get("code_challenge")) != 43 {
		t.Errorf("authorize URL without PKCE S256: %s", authURL)
	}
	landed := returnURL(t, stopBrowser(route), authURL)
	for _, bad := range []string{"not a url at all ::", route + "?code=abc&state=forged.sig", route} {
		if _, err := h.Complete(t.Context(), c, bad); drs.Code(err) != drs.CodeGeneral || !h.Running(c) {
			t.Errorf("Complete(%q) = %v, running %v; want 1010 and the login running", bad, err, h.Running(c))
		}
	}
	// The route does not take a state issued for Complete.
	if st := get(t, landed); st != http.StatusBadRequest || s.Requests(drssim.EndpointToken) != 0 {
		t.Fatalf("route with a paste state: HTTP %d, want 400 and no exchange", st)
	}
	tok, err := h.Complete(t.Context(), c, landed)
	if err != nil || tok.RefreshToken == "" || c.RefreshToken() != tok.RefreshToken {
		t.Fatalf("Complete: %v (token set %v)", err, tok.RefreshToken != "")
	}
	if _, err := h.Complete(t.Context(), c, landed); err == nil {
		t.Error("a pasted URL was accepted twice")
	}
}

func TestCompleteReportsTheCode(t *testing.T) {
	s := emulator(t)
	c := emuClient(t, s)
	o := &outcome{}
	h, route := agent(t, login.Config{})
	start(t, h, c, drs.Device{Model: drssim.DefaultModel, Serial: "SN-codes"}, o.callback)
	authURL, _ := h.AuthURL(t.Context(), c)
	back := returnURL(t, stopBrowser(route), authURL)
	s.Advance(6 * time.Minute) // the code expires
	_, err := h.Complete(t.Context(), c, back)
	var e *drs.Error
	if !errors.As(err, &e) || e.Code != http.StatusBadRequest || e.OAuthError != "invalid_grant" {
		t.Fatalf("expired code: %v, want code 400 invalid_grant", err)
	}
	if _, cbErr := o.last(); drs.Code(cbErr) != e.Code {
		t.Errorf("callback got code %d, Complete %d", drs.Code(cbErr), e.Code)
	}
}

func TestNewValidates(t *testing.T) {
	for _, u := range []string{"", "/relative", "ftp://x/y", "https://x/cb?q=1", "https://x/cb#f"} {
		if _, err := login.New(login.Config{RedirectURL: u}); drs.Code(err) != drs.CodeGeneral {
			t.Errorf("RedirectURL %q accepted (%v)", u, err)
		}
	}
	for name, cfg := range map[string]login.Config{
		"short key":          {RedirectURL: "https://x/cb", StateKey: []byte("short")},
		"links no ClientFor": {RedirectURL: "https://x/cb", Links: login.MemoryLinks()},
		"bad StartURL":       {RedirectURL: "https://x/cb", StartURL: "x"},
	} {
		if _, err := login.New(cfg); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	// The binding cookie is host-only: a StartURL on another scheme or host
	// would have every return trip refused.
	for _, su := range []string{"https://y/link", "http://x/link", "https://x.example/link"} {
		if _, err := login.New(login.Config{RedirectURL: "https://x/cb", StartURL: su}); err == nil || !strings.Contains(err.Error(), "share scheme and host") {
			t.Errorf("StartURL %q with RedirectURL https://x/cb: %v, want refused naming scheme and host", su, err)
		}
	}
	if _, err := login.New(login.Config{RedirectURL: "https://X:8443/cb", StartURL: "https://x/link"}); err != nil {
		t.Errorf("StartURL on the same host, another port: %v", err)
	}
	h, _ := login.New(login.Config{RedirectURL: "https://x/cb"})
	c, _ := drs.New("id", "secret")
	if _, err := h.Start(c, drs.Device{Model: "bad model", Serial: "S"}, nil); drs.Code(err) != drs.CodeGeneral {
		t.Errorf("bad model accepted: %v", err)
	}
	if s := fmt.Sprintf("%v %#v", h, h); strings.Contains(s, "StateKey") {
		t.Errorf("handler prints %s", s)
	}
}

func TestLoginOneDeviceTwoClients(t *testing.T) {
	s := emulator(t)
	a, b := emuClient(t, s), emuClient(t, s)
	h, _ := agent(t, login.Config{})
	dev := drs.Device{Model: drssim.DefaultModel, Serial: "SN-twice", TestDevice: true}
	link := start(t, h, a, dev, nil)
	if _, err := h.Start(b, dev, nil); drs.Code(err) != drs.CodeLoginInProgress || h.Running(b) {
		t.Fatalf("a second client for the same device: %v, want code 1001", err)
	}
	if page, err := drssimtest.NewBrowser("").Link(t.Context(), link, "allow"); err != nil || page.Status != 200 {
		t.Fatalf("link: %v %+v", err, page)
	}
	if a.RefreshToken() == "" || b.RefreshToken() != "" {
		t.Error("the token went to the wrong client")
	}
	for i, c := range []*drs.Client{a, b} {
		if _, err := h.Start(c, drs.Device{Model: drssim.DefaultModel, Serial: fmt.Sprint("SN-next-", i)}, nil); err != nil {
			t.Errorf("Start after the first login ended: %v", err)
		}
	}
}

func TestLoginExchangeOutlivesTheBrowser(t *testing.T) {
	s := emulator(t)
	c := emuClient(t, s)
	h, route := agent(t, login.Config{})
	link := start(t, h, c, drs.Device{Model: drssim.DefaultModel, Serial: "SN-gone", TestDevice: true}, nil)
	lwa, cookie := startRec(t, h, link)
	back := returnURL(t, stopBrowser(route), lwa)
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // the customer closed the tab as the browser came back
	rec := httptest.NewRecorder()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, back, nil)
	req.AddCookie(cookie)
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || c.RefreshToken() == "" {
		t.Errorf("HTTP %d, token set %v; want the code exchanged anyway", rec.Code, c.RefreshToken() != "")
	}
}
