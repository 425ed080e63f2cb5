package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
)

// chromium finds Debian's Chromium, or skips loudly: CI installs it (.ci/run),
// so there the test always runs.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed, but CI must run the browser test: .ci/run installs it")
	}
	t.Skip("!!! SKIPPED: chromium is not on PATH, so the real-browser login test did NOT run. Install it: apt-get install -y chromium")
	return ""
}

// browser starts a headless Chromium for t.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, // CI runs as root
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-gpu", true),
	)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(bcancel)
	return bctx
}

// TestLoginInRealBrowser links a test device the way a customer would: open
// the agent's login route, see the emulator's consent page, pick a product,
// allow, land on the agent's "device linked" page; then the agent orders
// with the new tokens.
func TestLoginInRealBrowser(t *testing.T) {
	ctx := browser(t)

	_, client, h, callback := agentRig(t, false)
	done := make(chan error, 1)
	link, err := h.Start(client, drs.Device{Model: drssim.DefaultModel, Serial: "SN-BROWSER-1", TestDevice: true},
		func(err error, _ drs.Token) { done <- err })
	if err != nil {
		t.Fatal(err)
	}

	// The consent page shows the customer, the device and a choice per slot.
	if err := chromedp.Do(ctx, chromedp.Navigate(link)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible("form#consent")); err != nil {
		t.Fatal(err)
	}
	for sel, want := range map[string]string{"#device-serial": "SN-BROWSER-1", "#device-model": drssim.DefaultModel, "#test-device": "Test device"} {
		got, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil || got != want {
			t.Errorf("consent page %s = %q (%v), want %q", sel, got, err, want)
		}
	}
	customer, _ := chromedp.Run(ctx, chromedp.Text("#customer"))
	if want := drssim.DefaultCustomerName; !contains(customer, want) {
		t.Errorf("consent page greets %q, want %q", customer, want)
	}
	// Pick the second coffee product instead of the default, then allow.
	if err := chromedp.Do(ctx, chromedp.Click("input#slot-0-product-1")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click("button#allow")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible("h1#title")); err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Text("#title"))
	if err != nil || title != "Device linked" {
		t.Fatalf("landed on %q (%v), want the device linked page", title, err)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !contains(loc, callback+"?") {
		t.Errorf("landed on %s, want the agent's callback", loc)
	}
	if shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		os.WriteFile(filepath.Join(t.TempDir(), "linked.png"), shot, 0o600)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("OnAuthenticated: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("OnAuthenticated was not called")
	}

	// The agent orders with the new tokens, and the product chosen in the
	// browser is the one subscribed.
	res, err := client.Replenish(t.Context(), "coffee-beans")
	if err != nil || res.DetailCode != drs.TestOrderPlaced {
		t.Fatalf("Replenish = %+v, %v; want TEST_ORDER_PLACED", res, err)
	}
	info, err := client.SubscriptionInfo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if p := info.Slots["coffee-beans"].Products; len(p) != 1 || p[0].ASIN != "B00DRSSIM2" {
		t.Errorf("coffee-beans subscribed to %+v, want the chosen B00DRSSIM2", p)
	}
}

// TestDenyInRealBrowser: denying on the consent page lands on the agent's
// failure page, reports code 1010 (access_denied) to the callback and links
// nothing.
func TestDenyInRealBrowser(t *testing.T) {
	ctx := browser(t)
	sim, client, h, _ := agentRig(t, false)
	done := make(chan error, 1)
	link, err := h.Start(client, drs.Device{Model: drssim.DefaultModel, Serial: "SN-BROWSER-2"},
		func(err error, _ drs.Token) { done <- err })
	if err != nil {
		t.Fatal(err)
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(link)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click("button#deny")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible("h1#title")); err != nil {
		t.Fatal(err)
	}
	title, _ := chromedp.Run(ctx, chromedp.Text("#title"))
	msg, _ := chromedp.Run(ctx, chromedp.Text("#message"))
	if title != "Linking failed" || !contains(msg, "could not be linked") || client.RefreshToken() != "" {
		t.Errorf("after deny: %q %q, token set %v", title, msg, client.RefreshToken() != "")
	}
	select {
	case err := <-done:
		var e *drs.Error
		if !errors.As(err, &e) || e.Code != drs.CodeGeneral || e.OAuthError != "access_denied" {
			t.Errorf("OnAuthenticated(%v), want code 1010 access_denied", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("OnAuthenticated was not called")
	}
	if n := sim.Requests(drssim.EndpointToken); n != 0 {
		t.Errorf("%d code exchanges after a deny, want none", n)
	}
}

func contains(s, sub string) bool { return sub != "" && strings.Contains(s, sub) }
