package login_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/drssim/drssimtest"
	"github.com/amazondrs/drs/login"
	"github.com/amazondrs/drs/store"
)

// TestUsedLinkRefusesEarlierAttempts: an attempt started before the link
// linked its device (browser A parked at Amazon) is refused on its return
// trip (410) and replaces nothing.
func TestUsedLinkRefusesEarlierAttempts(t *testing.T) {
	f := newFleet(t)
	h, base := f.instance(t, "")
	dev := drs.Device{Model: drssim.DefaultModel, Serial: "SN-claim-used", TestDevice: true}
	id, _ := h.NewLink(t.Context(), drssim.DefaultClientID, dev)
	a := stopBrowser(base + "/link/callback")
	back := returnURL(t, a, base+"/link/"+id) // A's attempt, parked at Amazon
	page, err := drssimtest.NewBrowser("").Link(t.Context(), base+"/link/"+id, "allow")
	if err != nil || page.Status != http.StatusOK {
		t.Fatalf("customer: %v %+v", err, page)
	}
	c := f.client(t, dev.Key(drssim.DefaultClientID))
	rt := c.RefreshToken()
	tokens := f.sim.Requests(drssim.EndpointToken)
	if st := getIn(t, a, back); st != http.StatusGone {
		t.Errorf("A's return trip after the link was used: HTTP %d, want 410", st)
	}
	if c.RefreshToken() != rt || f.sim.Requests(drssim.EndpointToken) != tokens {
		t.Error("A's return trip exchanged its code and replaced the token")
	}
}

// TestRotationEndsAttempts: after NewLink rotates a link, an attempt started
// from the old ID is refused on its return trip (410) and links nothing.
func TestRotationEndsAttempts(t *testing.T) {
	f := newFleet(t)
	h, base := f.instance(t, "")
	dev := drs.Device{Model: drssim.DefaultModel, Serial: "SN-claim-rot", TestDevice: true}
	id, _ := h.NewLink(t.Context(), drssim.DefaultClientID, dev)
	b := stopBrowser(base + "/link/callback")
	back := returnURL(t, b, base+"/link/"+id)
	next, err := h.NewLink(t.Context(), drssim.DefaultClientID, dev) // the old ID leaked
	if err != nil {
		t.Fatal(err)
	}
	if st := getIn(t, b, back); st != http.StatusGone {
		t.Errorf("return trip of a rotated link: HTTP %d, want 410", st)
	}
	if f.client(t, dev.Key(drssim.DefaultClientID)).RefreshToken() != "" {
		t.Error("the rotated link's attempt linked the device")
	}
	if p, err := drssimtest.NewBrowser("").Link(t.Context(), base+"/link/"+next, "allow"); err != nil || p.Status != http.StatusOK {
		t.Errorf("the new link: %v %+v", err, p)
	}
}

// TestConcurrentAttemptsOneExchanges: two attempts of one link, both back
// from Amazon at once: exactly one exchanges its code.
func TestConcurrentAttemptsOneExchanges(t *testing.T) {
	f := newFleet(t)
	h, base := f.instance(t, "")
	dev := drs.Device{Model: drssim.DefaultModel, Serial: "SN-claim-race", TestDevice: true}
	id, _ := h.NewLink(t.Context(), drssim.DefaultClientID, dev)
	const n = 4
	var browsers [n]*drssimtest.Browser
	var backs [n]string
	for i := range n {
		browsers[i] = stopBrowser(base + "/link/callback")
		backs[i] = returnURL(t, browsers[i], base+"/link/"+id)
	}
	tokens := f.sim.Requests(drssim.EndpointToken)
	var status [n]int
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			p, err := browsers[i].Get(t.Context(), backs[i])
			if err != nil {
				t.Error(err)
				return
			}
			status[i] = p.Status
		})
	}
	wg.Wait()
	ok, gone := 0, 0
	for _, st := range status {
		switch st {
		case http.StatusOK:
			ok++
		case http.StatusGone:
			gone++
		}
	}
	if ok != 1 || gone != n-1 {
		t.Errorf("return trips answered %v; want one 200 and %d 410", status, n-1)
	}
	if got := f.sim.Requests(drssim.EndpointToken) - tokens; got != 1 {
		t.Errorf("%d code exchanges, want 1", got)
	}
}

// TestFailedExchangeReleasesTheLink: a claimed link whose exchange fails
// (LWA refuses the code) is released: it still links its device.
func TestFailedExchangeReleasesTheLink(t *testing.T) {
	f := newFleet(t)
	h, base := f.instance(t, "")
	dev := drs.Device{Model: drssim.DefaultModel, Serial: "SN-claim-fail", TestDevice: true}
	id, _ := h.NewLink(t.Context(), drssim.DefaultClientID, dev)
	b := stopBrowser(base + "/link/callback")
	back, err := url.Parse(returnURL(t, b, base+"/link/"+id))
	if err != nil {
		t.Fatal(err)
	}
	q := back.Query()
	q.Set("code", "not-a-code-lwa-issued")
	back.RawQuery = q.Encode()
	if st := getIn(t, b, back.String()); st != http.StatusBadGateway {
		t.Errorf("return trip with a refused code: HTTP %d, want 502", st)
	}
	if l, err := f.links.GetLink(t.Context(), id[:12]); err != nil || !l.Used.IsZero() {
		t.Fatalf("link after a failed exchange: %+v, %v; want it unused", l, err)
	}
	if p, err := drssimtest.NewBrowser("").Link(t.Context(), base+"/link/"+id, "allow"); err != nil || p.Status != http.StatusOK {
		t.Errorf("the link after a failed exchange: %v %+v", err, p)
	}
}

// TestClientForFailureOnReturnTrip: a ClientFor that fails on the return
// trip is logged and the page asks to try again in a moment.
func TestClientForFailureOnReturnTrip(t *testing.T) {
	f := newFleet(t)
	var logged strings.Builder
	var logMu sync.Mutex
	calls := 0
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	h, err := login.New(login.Config{RedirectURL: srv.URL + "/link/callback", States: f.states, StateKey: f.key, Links: f.links,
		Logger: slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logged}, nil)),
		ClientFor: func(k store.Key) (*drs.Client, error) {
			logMu.Lock()
			calls++
			n := calls
			logMu.Unlock()
			if n > 1 { // the start works; the return trip's call fails
				return nil, errors.New("database is down")
			}
			return f.client(t, k), nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("GET /link/callback", h.CallbackHandler())
	mux.Handle("/link/{id}", h.StartHandler())
	dev := drs.Device{Model: drssim.DefaultModel, Serial: "SN-clientfor", TestDevice: true}
	id, _ := h.NewLink(t.Context(), drssim.DefaultClientID, dev)
	b := stopBrowser(srv.URL + "/link/callback")
	back := returnURL(t, b, srv.URL+"/link/"+id)
	p, err := b.Get(t.Context(), back)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != http.StatusServiceUnavailable || !strings.Contains(p.Body, "Try again in a moment") {
		t.Errorf("return trip with ClientFor failing: HTTP %d %q", p.Status, p.Body)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if log := logged.String(); !strings.Contains(log, "database is down") || !strings.Contains(log, dev.Key(drssim.DefaultClientID).String()) {
		t.Errorf("log %q: want the ClientFor error and the device", log)
	}
}

// TestEndedIsBounded: logins whose outcome no Wait reads are not kept
// forever.
func TestEndedIsBounded(t *testing.T) {
	h, err := login.New(login.Config{RedirectURL: "http://127.0.0.1:8182/callback"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1100 {
		c, _ := drs.New("id", "secret")
		start(t, h, c, drs.Device{Model: "M", Serial: fmt.Sprintf("S%d", i)}, nil)
		h.Cancel(c)
	}
	if n := login.EndedLen(h); n > 1024 {
		t.Errorf("%d ended logins kept, want at most 1024", n)
	}
}
