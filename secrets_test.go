package drs_test

// The secret-hygiene test of the library and the emulator: it runs the
// login flow (every page of the login route, pasted return addresses,
// failed exchanges under every fault kind) and every DRS call with debug
// output on, captures every log line, error string, callback result and HTTP
// page, and asserts that none holds the client secret, an access or refresh
// token or an authorization code. The fault matrix (faultmatrix_test.go)
// makes the same check of the error, the client's debug log and the
// emulator's log of each of its cells, so every fault kind on every endpoint
// is covered there; cmd/drs/secrets_test.go covers the CLI.

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/drssim/drssimtest"
	"github.com/amazondrs/drs/login"
)

// capture collects everything the project produced, by where it came from.
type capture struct {
	mu      sync.Mutex
	outputs map[string][]string
	secrets map[string]bool // exact values that must appear nowhere
}

func newCapture() *capture {
	return &capture{outputs: map[string][]string{}, secrets: map[string]bool{drssim.DefaultClientSecret: true}}
}

func (c *capture) add(where, s string) {
	c.mu.Lock()
	c.outputs[where] = append(c.outputs[where], s)
	c.mu.Unlock()
}

func (c *capture) addErr(where string, err error) {
	if err != nil {
		c.add(where, err.Error())
		c.add(where+" %+v", fmt.Sprintf("%+v", err))
		c.add(where+" %#v", fmt.Sprintf("%#v", err))
	}
}

func (c *capture) secret(vals ...string) {
	c.mu.Lock()
	for _, v := range vals {
		if v != "" {
			c.secrets[v] = true
		}
	}
	c.mu.Unlock()
}

// page records a page the browser landed on and learns the authorization
// code from the redirects it followed.
func (c *capture) page(where string, p *drssimtest.Page) {
	c.add(where, fmt.Sprintf("HTTP %d\n%s", p.Status, p.Body))
	for _, h := range append(p.Hops, p.Location) {
		if u, err := url.Parse(h); err == nil && u.Query().Get("code") != "" {
			c.secret(u.Query().Get("code"))
		}
	}
}

// check fails t for every output holding a secret: the exact values seen,
// and anything shaped like an LWA token.
func (c *capture) check(t *testing.T) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	secrets := []string{"Atza|", "Atzr|"}
	for s := range c.secrets {
		secrets = append(secrets, s)
	}
	// Longest first, so that redact hides whole tokens, not their prefix.
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	wheres := make([]string, 0, len(c.outputs))
	for w := range c.outputs {
		wheres = append(wheres, w)
	}
	sort.Strings(wheres)
	n := 0
	for _, where := range wheres {
		for _, out := range c.outputs[where] {
			n++
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("%s reveals a secret (%.8s...):\n%s", where, s, redact(out, secrets))
				}
			}
		}
	}
	if len(c.secrets) < 3 {
		t.Errorf("only %d secret values were learnt: the test saw no code or token", len(c.secrets))
	}
	t.Logf("checked %d outputs from %d places against %d secret values", n, len(wheres), len(c.secrets))
}

// redact replaces the secrets in s, so a failure does not print them.
func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		s = strings.ReplaceAll(s, sec, "<SECRET>")
	}
	return s
}

func TestSecretHygiene(t *testing.T) {
	cp := newCapture()
	emuLog, cliLog := &syncBuf{}, &syncBuf{}
	debug := func(w io.Writer) *slog.Logger {
		return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	clk := &clock{t: time.Now()}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	slow := &faultDeadline{base: tr}
	s, c := drssimtest.Start(t, drssimtest.WithServerOptions(drssim.WithLogger(debug(emuLog))),
		drssimtest.WithClientOptions(drs.WithLogger(debug(cliLog)), drs.WithClock(clk.now), drs.WithRetryPolicy(fmRetry),
			drs.WithHTTPClient(&http.Client{Transport: slow, Timeout: fmLongTimeout})))
	c.SetDebug(true)

	// The agent: the login route on loopback.
	mux := http.NewServeMux()
	agent := httptest.NewServer(mux)
	defer agent.Close()
	route := agent.URL + "/callback"
	h, err := login.New(login.Config{RedirectURL: route})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/callback", h)
	var done []drs.Token
	onAuth := func(err error, tok drs.Token) {
		cp.addErr("login callback error", err)
		cp.add("login callback token", tok.String())
		cp.secret(tok.AccessToken, tok.RefreshToken)
		if err == nil {
			done = append(done, tok)
		}
	}
	dev := drs.Device{Model: drssim.DefaultModel, Serial: "SECRET-1", TestDevice: true}
	var linkURL string
	startLogin := func() {
		t.Helper()
		u, err := h.Start(c, dev, onAuth)
		if err != nil {
			t.Fatal(err)
		}
		linkURL = u
	}
	get := func(where, u string) *drssimtest.Page {
		t.Helper()
		p, err := drssimtest.NewBrowser("").Get(t.Context(), u)
		if err != nil {
			t.Fatal(err)
		}
		cp.page(where, p)
		return p
	}
	link := func(where, decision string) *drssimtest.Page {
		t.Helper()
		b := drssimtest.NewBrowser("")
		consent, err := b.Get(t.Context(), linkURL)
		if err != nil {
			t.Fatal(err)
		}
		cp.page("consent page", consent)
		_, p, err := b.Answer(t.Context(), consent, decision)
		if err != nil {
			t.Fatal(err)
		}
		cp.page(where, p)
		return p
	}

	// Pages of the route with no login running, a forged state, a wrong
	// method.
	get("route, no login running", route)
	startLogin()
	get("route, forged state", route+"?code=forged-code&state=forged.signature")
	get("route, unknown serial", route+"?serial=NOPE")
	if resp, err := http.Post(route, "text/plain", nil); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cp.add("route, POST", string(b))
	}

	// A successful login, then a replay of its return trip.
	p := link("route, linked", "allow")
	if p.Title() != "Device linked" || len(done) != 1 {
		t.Fatalf("login: %q, %d successes", p.Title(), len(done))
	}
	for _, hop := range p.Hops {
		if strings.Contains(hop, "code=") {
			get("route, replayed return trip", hop)
		}
	}

	// A denied login.
	startLogin()
	if p := link("route, denied", "deny"); p.Title() != "Linking failed" {
		t.Errorf("denied login: %q", p.Title())
	}

	// Logins whose code exchange fails, under every fault kind.
	for _, f := range fmFaults[1:] { // every fault but the control column
		startLogin()
		fault := f.fault
		fault.Endpoint = drssim.EndpointToken
		if f.name == "429 Retry-After date" {
			fault.RetryAfter = time.Now().Add(time.Minute).UTC().Format(http.TimeFormat)
		}
		if err := s.InjectFault(fault); err != nil {
			t.Fatal(err)
		}
		if fault.Delay > 0 {
			slow.arm("/auth/o2/token", 1, fmTimeout, func() int { return s.Requests(drssim.EndpointToken) })
		}
		if p := link("route, exchange fails: "+f.name, "allow"); p.Title() != "Linking failed" {
			t.Errorf("%s: %q, want Linking failed", f.name, p.Title())
		}
	}

	// Pasted return addresses (Complete): garbage, forged, real.
	startLogin()
	authURL, err := h.AuthURL(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	cp.add("authorize URL", authURL) // shown to the customer: it must carry no secret either
	b := drssimtest.NewBrowser(route)
	lp, err := b.Link(t.Context(), authURL, "allow")
	if err != nil {
		t.Fatal(err)
	}
	cp.page("browser stopped at the return address", lp)
	for _, pasted := range []string{"%zz not a URL", route + "?code=forged-code&state=x.y", lp.Location} {
		_, err := h.Complete(t.Context(), c, pasted)
		cp.addErr("Complete", err)
	}
	if len(done) != 2 {
		t.Fatalf("%d logins succeeded, want 2", len(done))
	}

	// Every DRS call, on a fresh and on an expired access token.
	slot := drssim.DefaultConfig().Models[0].Slots[0].ID
	calls := func() {
		res, err := c.Replenish(t.Context(), slot)
		cp.addErr("Replenish", err)
		if err == nil {
			_, err = c.OrderInfo(t.Context(), res.EventInstanceID)
			cp.addErr("OrderInfo", err)
			cp.add("ReplenishResult", fmt.Sprintf("%+v", res))
		}
		_, err = c.SubscriptionInfo(t.Context())
		cp.addErr("SubscriptionInfo", err)
		_, err = c.SubscriptionInfoV1(t.Context())
		cp.addErr("SubscriptionInfoV1", err)
		cp.addErr("ReportSlotStatus", c.ReportSlotStatus(t.Context(), slot, drs.SlotStatus{ExpectedReplenishmentDate: time.Now(),
			RemainingQuantityInUnit: 1, OriginalQuantityInUnit: 2, LastUseDate: time.Now()}))
		cp.addErr("ReportDeviceStatus", c.ReportDeviceStatus(t.Context(), drs.DeviceStatus{MostRecentlyActiveDate: time.Now()}))
		_, err = c.CancelTestOrder(t.Context(), slot)
		cp.addErr("CancelTestOrder", err)
		_, err = c.CancelAllTestOrders(t.Context())
		cp.addErr("CancelAllTestOrders", err)
		_, err = c.OrderInfo(t.Context(), "amzn1.dash.v2.o.unknown")
		cp.addErr("OrderInfo unknown", err)
		_, err = c.Replenish(t.Context(), "no-such-slot")
		cp.addErr("Replenish unknown slot", err)
	}
	calls()
	cp.secret(c.Token().AccessToken, c.Token().RefreshToken)
	clk.advance(2 * time.Hour)
	calls()
	cp.secret(c.Token().AccessToken, c.Token().RefreshToken)

	// The Client, its Token and its errors printed and logged every way.
	tok := c.Token()
	for verb, v := range map[string]any{"client": c, "token": tok, "token pointer": &tok} {
		for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
			cp.add("fmt "+f+" of the "+verb, fmt.Sprintf(f, v))
		}
		var tb, jb strings.Builder
		slog.New(slog.NewTextHandler(&tb, nil)).Info("x", "v", v)
		slog.New(slog.NewJSONHandler(&jb, nil)).Info("x", "v", v)
		cp.add("slog text of the "+verb, tb.String())
		cp.add("slog JSON of the "+verb, jb.String())
	}
	//lint:ignore SA9005 the point is that a Client marshals to nothing
	if j, err := json.Marshal(c); err != nil || string(j) != "{}" {
		t.Errorf("json.Marshal(client) = %s, %v", j, err)
	}

	// Deregistration, then a call with the forgotten token.
	cp.addErr("Deregister", c.Deregister(t.Context()))
	_, err = c.SubscriptionInfo(t.Context())
	cp.addErr("SubscriptionInfo after deregistration", err)
	cp.add("fmt of the deregistered client", fmt.Sprintf("%v", c))

	cp.add("client debug log", cliLog.String())
	cp.add("emulator log", emuLog.String())
	if !strings.Contains(cliLog.String(), "device linked") || !strings.Contains(cliLog.String(), "access token refreshed") ||
		!strings.Contains(emuLog.String(), "endpoint=token") {
		t.Errorf("the logs miss the flows they should show:\nclient:\n%s\nemulator:\n%s", cliLog.String(), emuLog.String())
	}
	cp.check(t)
}

// TestClientFormatHidesTokens: printing or logging a Client, as a caller
// debugging an agent might, reveals neither its tokens nor the client secret.
func TestClientFormatHidesTokens(t *testing.T) {
	c, err := drs.New(testClientID, testClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(drs.Token{AccessToken: "Atza|access-value", RefreshToken: testRefresh, Expiry: time.Now().Add(time.Hour)})
	var outs []string
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		outs = append(outs, fmt.Sprintf(f, c))
	}
	var tb, jb strings.Builder
	slog.New(slog.NewTextHandler(&tb, nil)).Info("x", "client", c)
	slog.New(slog.NewJSONHandler(&jb, nil)).Info("x", "client", c)
	outs = append(outs, tb.String(), jb.String())
	for _, out := range outs {
		assertNoSecrets(t, "formatted client", out, "Atza|access-value")
		if !strings.Contains(out, testClientID) || !strings.Contains(out, "set(redacted)") {
			t.Errorf("formatted client does not say what it is: %s", out)
		}
	}
	var nilClient *drs.Client
	if s := fmt.Sprint(nilClient); s != "drs.Client(nil)" {
		t.Errorf("nil client prints %q", s)
	}
}
