package login_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/drssim/drssimtest"
	"github.com/amazondrs/drs/login"
)

func TestLoginAbandoned(t *testing.T) {
	clk := newClock()
	h, err := login.New(login.Config{RedirectURL: "http://127.0.0.1:8182/callback", Now: clk.Now, StateTTL: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := drs.New("id", "secret")
	other, _ := drs.New("id", "secret")
	dev := drs.Device{Model: "M", Serial: "S"}
	start(t, h, c, dev, nil)
	clk.advance(9 * time.Minute)
	if _, err := h.AuthURL(t.Context(), c); err != nil { // valid until minute 19
		t.Fatal(err)
	}
	clk.advance(2 * time.Minute)
	if _, err := h.Start(other, dev, nil); drs.Code(err) != drs.CodeLoginInProgress {
		t.Errorf("Start at minute 11 with a valid state: %v, want 1001", err)
	}
	clk.advance(9 * time.Minute) // minute 20: the newest state has expired
	start(t, h, other, dev, nil)
	if h.Running(c) || !h.Running(other) {
		t.Errorf("Running(old) = %v, Running(new) = %v; want false, true", h.Running(c), h.Running(other))
	}
	// Visits every 5 minutes keep the login for at most 2×StateTTL.
	for i := range 4 {
		if _, err := h.AuthURL(t.Context(), other); err != nil {
			t.Fatal(err)
		}
		clk.advance(5 * time.Minute)
		if i == 3 {
			break
		}
		if _, err := h.Start(c, dev, nil); err == nil {
			t.Fatalf("login replaced %d minutes after Start despite fresh visits", 5*(i+1))
		}
	}
	clk.advance(time.Minute)
	start(t, h, c, dev, nil)

	// Wait on an abandoned login returns its final error.
	clk.advance(time.Hour)
	if _, err := h.Wait(t.Context(), c); drs.Code(err) != drs.CodeGeneral || !strings.Contains(err.Error(), "abandoned") {
		t.Errorf("Wait on an abandoned login = %v, want code 1010 abandoned", err)
	}
}

func TestWait(t *testing.T) {
	s := emulator(t)
	c := emuClient(t, s)
	h, _ := agent(t, login.Config{})
	if _, err := h.Wait(t.Context(), c); drs.Code(err) != drs.CodeGeneral {
		t.Errorf("Wait without Start = %v, want 1010", err)
	}
	dev := drs.Device{Model: drssim.DefaultModel, Serial: "SN-wait", TestDevice: true}
	start(t, h, c, dev, nil)
	ctx, cancel := context.WithTimeout(t.Context(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	if _, err := h.Wait(ctx, c); drs.Code(err) != drs.CodeTimeout || !errors.Is(err, context.DeadlineExceeded) || !h.Running(c) {
		t.Errorf("Wait past its deadline = %v, running %v; want code 28 and the login running", err, h.Running(c))
	}
	h.Cancel(c)
	if h.Running(c) {
		t.Error("Cancel left the login running")
	}

	// Login: Start, show, Wait; a forged visit does not end it.
	var linked drs.Token
	tok, err := h.Login(t.Context(), c, dev, func(u string) {
		route := strings.Split(u, "?")[0]
		if st := get(t, route+"?code=x&state=forged.sig"); st != 400 {
			t.Errorf("forged: HTTP %d", st)
		}
		go func() {
			if p, err := drssimtest.NewBrowser("").Link(context.Background(), u, "allow"); err != nil || p.Status != 200 {
				t.Errorf("link: %v %+v", err, p)
			}
		}()
	})
	if err != nil || tok.RefreshToken == "" || tok.RefreshToken != c.RefreshToken() {
		t.Fatalf("Login = %v (token %v)", err, tok.RefreshToken != "")
	}
	_ = linked
	if h.Running(c) {
		t.Error("the login runs after Login returned")
	}
}

// gate holds the code exchange (LWA's token endpoint) until released.
type gate struct {
	arrived, release chan struct{}
}

func (g *gate) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/token") {
		close(g.arrived)
		<-g.release
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestWaitOutlastsItsContextOnceTaken: once a return trip took the login
// and exchanges its code, a Wait whose context ends (timeout, Ctrl+C)
// waits for the exchange and reports that the device is linked.
func TestWaitOutlastsItsContextOnceTaken(t *testing.T) {
	s := emulator(t)
	g := &gate{arrived: make(chan struct{}), release: make(chan struct{})}
	c := emuClient(t, s, drs.WithHTTPClient(&http.Client{Transport: g}))
	h, route := agent(t, login.Config{})
	link := start(t, h, c, drs.Device{Model: drssim.DefaultModel, Serial: "SN-wait-taken", TestDevice: true}, nil)
	b := stopBrowser(route)
	back := returnURL(t, b, link)
	trip := make(chan int)
	go func() {
		p, err := b.Get(context.Background(), back)
		if err != nil {
			t.Error(err)
		}
		trip <- p.Status
	}()
	<-g.arrived // the return trip took the login and is exchanging
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	type result struct {
		tok drs.Token
		err error
	}
	waited := make(chan result)
	go func() {
		tok, err := h.Wait(ctx, c)
		waited <- result{tok, err}
	}()
	close(g.release)
	res := <-waited
	if res.err != nil || res.tok.RefreshToken == "" || res.tok.RefreshToken != c.RefreshToken() {
		t.Errorf("Wait with its context ended during the exchange = %v (token %v); want the device linked", res.err, res.tok.RefreshToken != "")
	}
	if st := <-trip; st != http.StatusOK {
		t.Errorf("return trip: HTTP %d", st)
	}
}
