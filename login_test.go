package drs_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/store"
)

// emulator starts a drssim server on loopback for one test.
func emulator(t *testing.T, opts ...drssim.Option) *drssim.Server {
	t.Helper()
	s, err := drssim.New(drssim.DefaultConfig(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func emuClient(t *testing.T, s *drssim.Server, opts ...drs.Option) *drs.Client {
	t.Helper()
	c, err := drs.New(drssim.DefaultClientID, drssim.DefaultClientSecret, append([]drs.Option{drs.WithEndpoints(drs.EmulatorEndpoints(s.Addr()))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// outcome records what a login's callback was told.
type outcome struct {
	mu   sync.Mutex
	errs []error
	tok  drs.Token
	done chan struct{}
}

func newOutcome() *outcome { return &outcome{done: make(chan struct{}, 10)} }

func (o *outcome) callback(err error, tok drs.Token) {
	o.mu.Lock()
	o.errs = append(o.errs, err)
	o.tok = tok
	o.mu.Unlock()
	o.done <- struct{}{}
}

func (o *outcome) last() (error, int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.errs) == 0 {
		return nil, 0
	}
	return o.errs[len(o.errs)-1], len(o.errs)
}

// agent mounts a LoginHandler at /login on a loopback server, as an agent
// would; the emulator accepts any loopback port for its allowed return URL
// path, so the test uses /callback.
func agent(t *testing.T, cfg drs.LoginConfig) (*drs.LoginHandler, string) {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	if cfg.RedirectURL == "" {
		cfg.RedirectURL = srv.URL + "/callback"
	}
	h, err := drs.NewLoginHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/callback", h)
	return h, srv.URL + "/callback"
}

func TestLoginHappyPath(t *testing.T) {
	s := emulator(t)
	c := emuClient(t, s)
	h, route := agent(t, drs.LoginConfig{})
	o := newOutcome()
	dev := drs.Device{Model: drssim.DefaultModel, Serial: "SN-happy", TestDevice: true}
	if err := h.Start(c, dev, o.callback); err != nil {
		t.Fatal(err)
	}
	// A second login on the same client is refused with 1001.
	err := h.Start(c, dev, nil)
	if drs.Code(err) != drs.CodeLoginInProgress || !errors.Is(err, drs.ErrLoginInProgress) {
		t.Fatalf("second Start: %v, want code 1001", err)
	}
	page, err := drssim.NewBrowser("").Link(t.Context(), route, "allow")
	if err != nil {
		t.Fatal(err)
	}
	if page.Status != 200 || !strings.Contains(page.Body, "Device linked") || !strings.Contains(page.Body, "SN-happy") {
		t.Fatalf("landed on HTTP %d: %s", page.Status, page.Body)
	}
	if err, n := o.last(); err != nil || n != 1 || o.tok.RefreshToken == "" || c.RefreshToken() != o.tok.RefreshToken {
		t.Fatalf("callback got err=%v after %d calls, token set=%v", err, n, c.RefreshToken() != "")
	}
	// The new tokens work: a test device places a test order.
	res, err := c.Replenish(t.Context(), "coffee-beans")
	if err != nil {
		t.Fatal(err)
	}
	if res.DetailCode != drs.TestOrderPlaced {
		t.Errorf("detail code %s, want TEST_ORDER_PLACED", res.DetailCode)
	}
	// After a completed login the route answers 503 until Start again.
	resp, err := http.Get(route)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Errorf("route after login: HTTP %d, want 503", resp.StatusCode)
	}
	if err := h.Start(c, dev, nil); err != nil {
		t.Errorf("Start after a finished login: %v", err)
	}
}

func TestLoginDenied(t *testing.T) {
	s := emulator(t)
	c := emuClient(t, s)
	h, route := agent(t, drs.LoginConfig{})
	o := newOutcome()
	h.Start(c, drs.Device{Model: drssim.DefaultModel, Serial: "SN-deny"}, o.callback)
	page, err := drssim.NewBrowser("").Link(t.Context(), route, "deny")
	if err != nil {
		t.Fatal(err)
	}
	if page.Status != http.StatusForbidden || !strings.Contains(page.Body, "could not be linked") {
		t.Errorf("landed on HTTP %d: %s", page.Status, page.Body)
	}
	err, _ = o.last()
	var e *drs.Error
	if !errors.As(err, &e) || e.Code != drs.CodeGeneral || e.OAuthError != "access_denied" {
		t.Fatalf("callback error = %v, want code 1010 access_denied", err)
	}
	if c.RefreshToken() != "" || s.Requests(drssim.EndpointToken) != 0 {
		t.Errorf("a denied login exchanged a code")
	}
}

func TestLoginForgedAndReplayedState(t *testing.T) {
	s := emulator(t)
	c := emuClient(t, s)
	h, route := agent(t, drs.LoginConfig{})
	o := newOutcome()
	h.Start(c, drs.Device{Model: drssim.DefaultModel, Serial: "SN-forge", TestDevice: true}, o.callback)

	for _, q := range []string{"?code=abc&state=forged.sig", "?code=abc", "?code=abc&state=" + url.QueryEscape("x.y")} {
		resp, err := http.Get(route + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("%s: HTTP %d, want 400", q, resp.StatusCode)
		}
	}
	if s.Requests(drssim.EndpointToken) != 0 {
		t.Fatal("a forged state led to a code exchange")
	}
	if err, n := o.last(); drs.Code(err) != drs.CodeGeneral || n != 3 {
		t.Errorf("callback: %v after %d calls, want code 1010 three times", err, n)
	}
	if !h.Running(c) {
		t.Error("a forged state ended the login")
	}

	// The real login still works, and its return URL cannot be replayed.
	back := returnURL(t, route, route)
	for i, want := range []int{200, 400} {
		r, err := http.Get(back)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != want {
			t.Errorf("return trip %d: HTTP %d, want %d", i+1, r.StatusCode, want)
		}
	}
	if s.Requests(drssim.EndpointToken) != 1 {
		t.Errorf("token requests = %d, want 1", s.Requests(drssim.EndpointToken))
	}
	if h.Running(c) {
		t.Error("the login still runs after the device was linked")
	}
}

func TestLoginExpiredCodeAndState(t *testing.T) {
	s := emulator(t)
	c := emuClient(t, s)
	now := time.Now()
	var mu sync.Mutex
	clk := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h, route := agent(t, drs.LoginConfig{Now: clk, StateTTL: 30 * time.Minute})
	o := newOutcome()
	h.Start(c, drs.Device{Model: drssim.DefaultModel, Serial: "SN-exp"}, o.callback)

	back := returnURL(t, route, route)
	s.Advance(6 * time.Minute) // the code lives 5 minutes
	r, err := http.Get(back)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	err, _ = o.last()
	var e *drs.Error
	if r.StatusCode != http.StatusBadGateway || !errors.As(err, &e) || e.Code != 400 || e.OAuthError != "invalid_grant" {
		t.Errorf("expired code: HTTP %d, callback %v; want 502 page and code 400 invalid_grant", r.StatusCode, err)
	}

	// An expired state is refused before any exchange.
	h.Start(c, drs.Device{Model: drssim.DefaultModel, Serial: "SN-exp"}, o.callback)
	back = returnURL(t, route, route)
	mu.Lock()
	now = now.Add(31 * time.Minute)
	mu.Unlock()
	before := s.Requests(drssim.EndpointToken)
	r, _ = http.Get(back)
	r.Body.Close()
	if r.StatusCode != 400 || s.Requests(drssim.EndpointToken) != before {
		t.Errorf("expired state: HTTP %d, token requests +%d; want 400 and none", r.StatusCode, s.Requests(drssim.EndpointToken)-before)
	}
}

func TestLoginManyDevicesOneRoute(t *testing.T) {
	s := emulator(t)
	h, route := agent(t, drs.LoginConfig{})
	clients := map[string]*drs.Client{}
	for _, serial := range []string{"SN-a", "SN-b", "SN-c"} {
		c := emuClient(t, s)
		clients[serial] = c
		if err := h.Start(c, drs.Device{Model: drssim.DefaultModel, Serial: serial, TestDevice: true}, nil); err != nil {
			t.Fatal(err)
		}
	}
	resp, _ := http.Get(route)
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("ambiguous plain GET: HTTP %d, want 400", resp.StatusCode)
	}
	for serial, c := range clients {
		page, err := drssim.NewBrowser("").Link(t.Context(), route+"?serial="+serial, "allow")
		if err != nil || page.Status != 200 {
			t.Fatalf("%s: %v %v", serial, err, page)
		}
		if c.RefreshToken() == "" {
			t.Errorf("%s: no token after linking", serial)
		}
	}
	// Each client got its own device's token.
	for serial, c := range clients {
		d, ok := s.Device(drssim.DefaultClientID, drssim.DefaultModel, serial)
		if !ok || !d.Registered {
			t.Errorf("%s not registered in the emulator", serial)
		}
		if _, err := c.Replenish(t.Context(), "coffee-beans"); err != nil {
			t.Errorf("%s: %v", serial, err)
		}
	}
	orders := s.Orders()
	if len(orders) != 3 {
		t.Fatalf("orders = %d, want 3", len(orders))
	}
	for _, o := range orders {
		if _, ok := clients[o.Serial]; !ok || o.SlotID != "coffee-beans" {
			t.Errorf("unexpected order %+v", o)
		}
	}
}

func TestLoginComplete(t *testing.T) {
	s := emulator(t)
	c := emuClient(t, s)
	h, _ := agent(t, drs.LoginConfig{})
	if err := h.Start(c, drs.Device{Model: drssim.DefaultModel, Serial: "SN-paste", TestDevice: true}, nil); err != nil {
		t.Fatal(err)
	}
	authURL, err := h.AuthURL(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	landed := returnURL(t, authURL, redirectOf(t, authURL))
	if err := h.Complete(context.Background(), "not a url at all ::"); err == nil {
		t.Error("garbage accepted")
	}
	if err := h.Complete(t.Context(), landed); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if c.RefreshToken() == "" {
		t.Error("no token after Complete")
	}
	if err := h.Complete(t.Context(), landed); err == nil {
		t.Error("a pasted URL was accepted twice")
	}
}

func TestNewLoginHandlerValidates(t *testing.T) {
	for _, u := range []string{"", "/relative", "ftp://x/y", "https://x/cb?q=1", "https://x/cb#f"} {
		if _, err := drs.NewLoginHandler(drs.LoginConfig{RedirectURL: u}); drs.Code(err) != drs.CodeGeneral {
			t.Errorf("RedirectURL %q accepted (%v)", u, err)
		}
	}
	if _, err := drs.NewLoginHandler(drs.LoginConfig{RedirectURL: "https://x/cb", StateKey: []byte("short")}); err == nil {
		t.Error("short StateKey accepted")
	}
	h, _ := drs.NewLoginHandler(drs.LoginConfig{RedirectURL: "https://x/cb"})
	c, _ := drs.New("id", "secret")
	if err := h.Start(c, drs.Device{Model: "bad model", Serial: "S"}, nil); drs.Code(err) != drs.CodeGeneral {
		t.Errorf("bad model accepted: %v", err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/cb", nil))
	if rec.Code != 405 {
		t.Errorf("POST: %d", rec.Code)
	}
}

// returnURL walks the customer's side of a login from start (the agent's
// route or an authorize URL) and allows, but stops at the redirect back to
// redirect, returning that URL (with code and state) unvisited.
func returnURL(t *testing.T, start, redirect string) string {
	t.Helper()
	b := drssim.NewBrowser(redirect + "?")
	p, err := b.Get(t.Context(), start)
	if err != nil {
		t.Fatal(err)
	}
	_, next, err := b.Answer(t.Context(), p, "allow")
	if err != nil {
		t.Fatal(err)
	}
	if next.Location == "" {
		t.Fatalf("no redirect back to %s: HTTP %d %q", redirect, next.Status, next.Title())
	}
	return next.Location
}

func redirectOf(t *testing.T, authURL string) string {
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("redirect_uri")
}

func TestLoginAbandonedAfterTTL(t *testing.T) {
	now := time.Now()
	var mu sync.Mutex
	clk := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h, err := drs.NewLoginHandler(drs.LoginConfig{RedirectURL: "http://127.0.0.1:8182/callback", Now: clk, StateTTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := drs.New("id", "secret")
	dev := drs.Device{Model: "M", Serial: "S"}
	if err := h.Start(c, dev, nil); err != nil {
		t.Fatal(err)
	}
	if err := h.Start(c, dev, nil); drs.Code(err) != drs.CodeLoginInProgress {
		t.Fatalf("second Start within the TTL: %v, want 1001", err)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	if err := h.Start(c, dev, nil); err != nil {
		t.Errorf("Start after the TTL: %v, want the abandoned login replaced", err)
	}
	if !h.Running(c) {
		t.Error("the new login is not running")
	}
}

// TestLoginNotAbandonedWhileStateValid: a login counts as abandoned only
// once its newest state has expired, not StateTTL after Start, so a page
// opened late in the TTL still links the device.
func TestLoginNotAbandonedWhileStateValid(t *testing.T) {
	now := time.Now()
	var mu sync.Mutex
	clk := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	h, err := drs.NewLoginHandler(drs.LoginConfig{RedirectURL: "http://127.0.0.1:8182/callback", Now: clk, StateTTL: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := drs.New("id", "secret")
	other, _ := drs.New("id", "secret")
	dev := drs.Device{Model: "M", Serial: "S"}
	if err := h.Start(c, dev, nil); err != nil {
		t.Fatal(err)
	}
	advance(9 * time.Minute)
	if _, err := h.AuthURL(t.Context(), c); err != nil { // the customer opens the page: valid until minute 19
		t.Fatal(err)
	}
	advance(2 * time.Minute) // minute 11: past Start + TTL, but the state is valid
	if err := h.Start(c, dev, nil); drs.Code(err) != drs.CodeLoginInProgress {
		t.Errorf("Start by the same client at minute 11: %v, want 1001", err)
	}
	if err := h.Start(other, dev, nil); drs.Code(err) != drs.CodeLoginInProgress {
		t.Errorf("Start by another client for the device at minute 11: %v, want 1001", err)
	}
	advance(9 * time.Minute) // minute 20: the newest state has expired
	if err := h.Start(other, dev, nil); err != nil {
		t.Errorf("Start after every state expired: %v, want the abandoned login replaced", err)
	}
	if h.Running(c) || !h.Running(other) {
		t.Errorf("Running(old) = %v, Running(new) = %v; want false, true", h.Running(c), h.Running(other))
	}

	// Visits every 5 minutes keep the login for at most 2×StateTTL.
	for i := range 4 { // minutes 20, 25, 30, 35 after other's Start at 20
		if _, err := h.AuthURL(t.Context(), other); err != nil {
			t.Fatal(err)
		}
		advance(5 * time.Minute)
		if i < 3 && h.Start(c, dev, nil) == nil {
			t.Fatalf("login replaced %d minutes after Start despite fresh visits", 5*(i+1))
		}
	}
	advance(time.Minute) // 21 minutes after Start: past 2×StateTTL
	if err := h.Start(c, dev, nil); err != nil {
		t.Errorf("Start 21 minutes after a login kept alive by visits: %v, want it replaced", err)
	}
}

// countingStates is a StateStore that counts the states it holds.
type countingStates struct {
	store.StateStore
	mu   sync.Mutex
	live map[string]bool
}

func newCountingStates() *countingStates {
	return &countingStates{StateStore: store.Memory(), live: map[string]bool{}}
}

func (s *countingStates) PutState(ctx context.Context, id string, ls store.LoginState) error {
	s.mu.Lock()
	s.live[id] = true
	s.mu.Unlock()
	return s.StateStore.PutState(ctx, id, ls)
}

func (s *countingStates) TakeState(ctx context.Context, id string, now time.Time) (store.LoginState, error) {
	s.mu.Lock()
	delete(s.live, id)
	s.mu.Unlock()
	return s.StateStore.TakeState(ctx, id, now)
}

func (s *countingStates) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.live)
}

// noRedirect is an http.Client that stops at the first redirect.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// stateOf GETs the route without following the redirect and returns the
// state of the LWA address it redirects to.
func stateOf(t *testing.T, route string) string {
	t.Helper()
	resp, err := noRedirect.Get(route)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || loc.Query().Get("state") == "" {
		t.Fatalf("GET %s: HTTP %d to %q, want a redirect to LWA with a state", route, resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("state")
}

func TestLoginReloadsDoNotFillTheStateStore(t *testing.T) {
	s := emulator(t)
	c := emuClient(t, s)
	states := newCountingStates()
	h, route := agent(t, drs.LoginConfig{States: states})
	if err := h.Start(c, drs.Device{Model: drssim.DefaultModel, Serial: "SN-reload", TestDevice: true}, nil); err != nil {
		t.Fatal(err)
	}
	first := stateOf(t, route)
	for range 50 {
		stateOf(t, route)
	}
	if n := states.count(); n > 8 {
		t.Errorf("%d states held after 51 visits, want at most 8", n)
	}
	// The oldest state was dropped: its return trip is refused unexchanged.
	resp, err := http.Get(route + "?code=whatever&state=" + url.QueryEscape(first))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || s.Requests(drssim.EndpointToken) != 0 {
		t.Errorf("dropped state: HTTP %d, %d exchanges; want 400 and none", resp.StatusCode, s.Requests(drssim.EndpointToken))
	}
	// A fresh visit still links the device, and then no state is left.
	page, err := drssim.NewBrowser("").Link(t.Context(), route, "allow")
	if err != nil || page.Status != http.StatusOK {
		t.Fatalf("link after reloads: %v %+v", err, page)
	}
	if n := states.count(); n != 0 {
		t.Errorf("%d states left after the login ended, want 0", n)
	}
}

func TestLoginStateOfAnEndedLoginIsRefused(t *testing.T) {
	s := emulator(t)
	c := emuClient(t, s)
	h, route := agent(t, drs.LoginConfig{})
	dev := drs.Device{Model: drssim.DefaultModel, Serial: "SN-old", TestDevice: true}
	if err := h.Start(c, dev, nil); err != nil {
		t.Fatal(err)
	}
	old := returnURL(t, route, route) // the customer opened the page twice
	if page, err := drssim.NewBrowser("").Link(t.Context(), route, "allow"); err != nil || page.Status != 200 {
		t.Fatalf("link: %v %+v", err, page)
	}
	if err := h.Start(c, dev, nil); err != nil {
		t.Fatal(err)
	}
	before := s.Requests(drssim.EndpointToken)
	resp, err := http.Get(old)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || s.Requests(drssim.EndpointToken) != before || !h.Running(c) {
		t.Errorf("state of the ended login: HTTP %d, %d exchanges, running %v; want 400, none, still running",
			resp.StatusCode, s.Requests(drssim.EndpointToken)-before, h.Running(c))
	}
}

func TestLoginOneDeviceTwoClients(t *testing.T) {
	s := emulator(t)
	a, b := emuClient(t, s), emuClient(t, s)
	h, route := agent(t, drs.LoginConfig{})
	dev := drs.Device{Model: drssim.DefaultModel, Serial: "SN-twice", TestDevice: true}
	if err := h.Start(a, dev, nil); err != nil {
		t.Fatal(err)
	}
	if err := h.Start(b, dev, nil); drs.Code(err) != drs.CodeLoginInProgress {
		t.Fatalf("a second client for the same device: %v, want code 1001", err)
	}
	if h.Running(b) {
		t.Error("the refused login runs")
	}
	if page, err := drssim.NewBrowser("").Link(t.Context(), route, "allow"); err != nil || page.Status != 200 {
		t.Fatalf("link: %v %+v", err, page)
	}
	if a.RefreshToken() == "" || b.RefreshToken() != "" {
		t.Error("the token went to the wrong client")
	}
	// Neither client is stuck at 1001.
	for _, c := range []*drs.Client{a, b} {
		if err := h.Start(c, drs.Device{Model: drssim.DefaultModel, Serial: "SN-next-" + fmt.Sprint(c == a), TestDevice: true}, nil); err != nil {
			t.Errorf("Start after the first login ended: %v", err)
		}
	}
}

func TestLoginManyDevicesForgedAndFinished(t *testing.T) {
	s := emulator(t)
	h, route := agent(t, drs.LoginConfig{})
	outcomes := map[string]*outcome{}
	clients := map[string]*drs.Client{}
	for _, serial := range []string{"SN-x", "SN-y"} {
		clients[serial], outcomes[serial] = emuClient(t, s), newOutcome()
		if err := h.Start(clients[serial], drs.Device{Model: drssim.DefaultModel, Serial: serial}, outcomes[serial].callback); err != nil {
			t.Fatal(err)
		}
	}
	// A forged return trip cannot be told apart: nobody is told, nothing ends.
	resp, err := http.Get(route + "?code=abc&state=forged.sig")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for serial, o := range outcomes {
		if _, n := o.last(); n != 0 || !h.Running(clients[serial]) {
			t.Errorf("%s: %d callbacks, running %v after a forged state", serial, n, h.Running(clients[serial]))
		}
	}
	if page, err := drssim.NewBrowser("").Link(t.Context(), route+"?serial=SN-x", "allow"); err != nil || page.Status != 200 {
		t.Fatalf("link SN-x: %v %+v", err, page)
	}
	// SN-x is done: its route answers 503 until it is started again; SN-y
	// still runs, and a plain GET now means it.
	resp, err = noRedirect.Get(route + "?serial=SN-x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("?serial of a finished login: HTTP %d, want 503", resp.StatusCode)
	}
	if stateOf(t, route) == "" || !h.Running(clients["SN-y"]) {
		t.Error("SN-y is not waiting any more")
	}
}

func TestLoginCompleteReportsTheCode(t *testing.T) {
	s := emulator(t)
	c := emuClient(t, s)
	h, route := agent(t, drs.LoginConfig{})
	o := newOutcome()
	if err := h.Start(c, drs.Device{Model: drssim.DefaultModel, Serial: "SN-codes"}, o.callback); err != nil {
		t.Fatal(err)
	}
	err := h.Complete(t.Context(), route+"?code=abc&state=forged.sig")
	if drs.Code(err) != drs.CodeGeneral || !h.Running(c) {
		t.Fatalf("forged: %v (running %v), want code 1010 and the login still running", err, h.Running(c))
	}
	back := returnURL(t, route, route)
	s.Advance(6 * time.Minute) // the code expires
	err = h.Complete(t.Context(), back)
	var e *drs.Error
	if !errors.As(err, &e) || e.Code != http.StatusBadRequest || e.OAuthError != "invalid_grant" {
		t.Fatalf("expired code: %v, want code 400 invalid_grant", err)
	}
	if cbErr, _ := o.last(); drs.Code(cbErr) != e.Code {
		t.Errorf("callback got code %d, Complete %d", drs.Code(cbErr), e.Code)
	}
}

func TestLoginExchangeOutlivesTheBrowser(t *testing.T) {
	s := emulator(t)
	c := emuClient(t, s)
	h, route := agent(t, drs.LoginConfig{})
	if err := h.Start(c, drs.Device{Model: drssim.DefaultModel, Serial: "SN-gone", TestDevice: true}, nil); err != nil {
		t.Fatal(err)
	}
	back := returnURL(t, route, route)
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // the customer closed the tab as the browser came back
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, back, nil))
	if rec.Code != http.StatusOK || c.RefreshToken() == "" {
		t.Errorf("HTTP %d, token set %v; want the code exchanged anyway", rec.Code, c.RefreshToken() != "")
	}
}
