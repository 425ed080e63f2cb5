package e2e

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/drssim/drssimtest"
	"github.com/amazondrs/drs/login"
)

// crossSite starts the emulator reached as localhost and the agent on
// 127.0.0.1: two sites, so the return trip is a real cross-site top-level
// redirect and the binding cookie must be SameSite=Lax (Strict would be
// withheld and this test would fail).
func crossSite(t *testing.T) (*drssim.Server, *drs.Client, *login.Handler, string) {
	t.Helper()
	return agentRig(t, true)
}

// agentRig starts the emulator and an agent serving the login handler at
// /callback on 127.0.0.1, with a client reaching the emulator as localhost
// when crossSite, else as 127.0.0.1. It returns the callback URL last.
func agentRig(t *testing.T, crossSite bool) (*drssim.Server, *drs.Client, *login.Handler, string) {
	t.Helper()
	sim, err := drssim.New(drssim.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	addr := sim.Addr()
	if crossSite {
		_, port, _ := net.SplitHostPort(addr)
		addr = "localhost:" + port
	}
	client, err := drs.New(drssim.DefaultClientID, drssim.DefaultClientSecret, drs.WithEndpoints(drs.EmulatorEndpoints(addr)))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	agent := httptest.NewServer(mux)
	t.Cleanup(agent.Close)
	h, err := login.New(login.Config{RedirectURL: agent.URL + "/callback"})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/callback", h)
	return sim, client, h, agent.URL + "/callback"
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(sel)); err != nil {
		t.Fatal(err)
	}
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBindingInRealBrowser: the happy path across sites with PKCE in the
// authorize URL; a second browser context, without the cookie, opening an
// attempt's return URL is refused and links nothing.
func TestBindingInRealBrowser(t *testing.T) {
	ctx := browser(t)
	sim, client, h, route := crossSite(t)
	link, err := h.Start(client, drs.Device{Model: drssim.DefaultModel, Serial: "SN-BIND-1", TestDevice: true}, nil)
	if err != nil {
		t.Fatal(err)
	}

	// Someone else's return URL (a browser that is not this one started
	// the attempt) opened in a fresh browser context: refused.
	foreign := drssimtest.NewBrowser(route + "?")
	consent, err := foreign.Get(t.Context(), link)
	if err != nil {
		t.Fatal(err)
	}
	_, back, err := foreign.Answer(t.Context(), consent, "allow")
	if err != nil || back.Location == "" {
		t.Fatalf("no return URL: %v %+v", err, back)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil { // starts the browser
		t.Fatal(err)
	}
	other, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := chromedp.Do(other, chromedp.Navigate(back.Location)); err != nil {
		t.Fatal(err)
	}
	if got := text(t, other, "#title"); got != "Open the link again in this browser" {
		t.Errorf("second context on a foreign return URL: %q", got)
	}
	if sim.Requests(drssim.EndpointToken) != 0 || client.RefreshToken() != "" {
		t.Fatal("a return trip without the cookie was exchanged")
	}

	// The customer, in their own browser.
	if err := chromedp.Do(ctx, chromedp.Navigate(link)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible("form#consent")); err != nil {
		t.Fatal(err)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	authz, err := url.Parse(loc)
	if err != nil || authz.Hostname() != "localhost" || authz.Query().Get("code_challenge_method") != "S256" || len(authz.Query().Get("code_challenge")) != 43 {
		t.Errorf("authorize URL %s: want localhost with PKCE S256", loc)
	}
	if err := chromedp.Do(ctx, chromedp.Click("button#allow")); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "#title"); got != "Device linked" {
		t.Fatalf("landed on %q, want Device linked (was the cookie withheld on the cross-site redirect?)", got)
	}
	wctx, wcancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer wcancel()
	if tok, err := h.Wait(wctx, client); err != nil || tok.RefreshToken == "" {
		t.Fatalf("Wait = %v", err)
	}
	if res, err := client.Replenish(t.Context(), "coffee-beans"); err != nil || res.DetailCode != drs.TestOrderPlaced {
		t.Errorf("Replenish = %+v, %v", res, err)
	}
}

// TestPasteInRealBrowser: the paste flow needs no cookie. The browser lands
// on the route, which refuses the state (it was issued for Complete); the
// address it landed on, pasted, finishes the login. A wrong PKCE verifier is
// refused by the emulator first.
func TestPasteInRealBrowser(t *testing.T) {
	ctx := browser(t)
	_, client, h, route := crossSite(t)
	if _, err := h.Start(client, drs.Device{Model: drssim.DefaultModel, Serial: "SN-BIND-2", TestDevice: true}, nil); err != nil {
		t.Fatal(err)
	}
	authURL, err := h.AuthURL(t.Context(), client)
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(authURL)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click("button#allow")); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "#title"); got == "Device linked" {
		t.Fatal("the route took a state issued for Complete")
	}
	landed, _ := chromedp.Run(ctx, chromedp.Location())
	u, _ := url.Parse(landed)
	code := u.Query().Get("code")
	if code == "" {
		t.Fatalf("landed on %s without a code", landed)
	}
	var e *drs.Error
	if _, err := client.Exchange(t.Context(), code, route, drs.WithPKCE(drs.GenerateVerifier())); !errors.As(err, &e) || e.OAuthError != "invalid_grant" {
		t.Fatalf("exchange with a wrong verifier = %v, want invalid_grant", err)
	}
	tok, err := h.Complete(t.Context(), client, landed)
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("Complete = %v", err)
	}
}
