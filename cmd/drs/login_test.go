package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/amazondrs/drs/cmd/drs/internal/cmd/login"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/drssim/drssimtest"
)

var (
	routeRE = regexp.MustCompile(`(?m)^    (http://127\.0\.0\.1:\d+/callback\?link=[A-Za-z0-9_-]+)$`)
	authzRE = regexp.MustCompile(`(?m)^    (http://127\.0\.0\.1:\d+/ap/oa\?\S+)$`)
)

// loginRun is drs login running in the background.
type loginRun struct {
	out, errOut syncBuffer
	done        chan int
}

func (e *env) startLogin(in io.Reader, args ...string) *loginRun {
	l := &loginRun{done: make(chan int, 1)}
	go func() {
		l.done <- e.runWith(e.t.Context(), in, &l.out, &l.errOut, append([]string{"login"}, args...)...)
	}()
	return l
}

// wait returns the result of the finished login.
func (l *loginRun) wait(t *testing.T) result {
	t.Helper()
	select {
	case code := <-l.done:
		return result{code, l.out.String(), l.errOut.String()}
	case <-time.After(15 * time.Second):
		t.Fatalf("drs login did not finish; stderr:\n%s", l.errOut.String())
	}
	return result{}
}

// consent plays the browser from start to the consent page.
func consent(t *testing.T, b *drssimtest.Browser, start string) *drssimtest.Page {
	t.Helper()
	p, err := b.Get(t.Context(), start)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != http.StatusOK || !strings.HasSuffix(p.URL.Path, "/ap/oa") {
		t.Fatalf("landed on %s (HTTP %d, %q), want the consent page", p.URL.Redacted(), p.Status, p.Title())
	}
	return p
}

func TestLoginNoBrowser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l := e.startLogin(nil, "--serial", "L1", "--test", "--no-browser", "--redirect-url", "http://127.0.0.1:0/callback")
	route := waitFor(t, &l.errOut, routeRE)
	waitFor(t, &l.errOut, regexp.MustCompile(`Waiting for Login with Amazon`)) // printed after the route
	wantContains(t, "stderr", l.errOut.String(), "To link CoffeeMaker01/L1 (test device)")

	// A visit with a forged state is refused and does not end the login.
	resp, err := http.Get(route + "?code=stolen&state=forged.signature")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("forged state: HTTP %d, want 400", resp.StatusCode)
	}
	waitFor(t, &l.errOut, regexp.MustCompile(`warning: ignored a visit to the login route`))

	b := drssimtest.NewBrowser("")
	_, p, err := b.Answer(t.Context(), consent(t, b, route), "allow")
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != http.StatusOK || p.Title() != "Device linked" {
		t.Errorf("final page: HTTP %d %q, want 200 Device linked", p.Status, p.Title())
	}
	r := l.wait(t)
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "✓ device linked: CoffeeMaker01/L1 (test device)", "refresh token saved in file:")
	noSecret(t, r, e.stored("L1"))
	if e.stored("L1") == "" {
		t.Fatal("no refresh token stored")
	}
	if urls := e.browser.URLs(); len(urls) != 0 {
		t.Errorf("--no-browser opened %v", urls)
	}
	r = e.run("replenish", firstSlot(t), "--serial", "L1")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "TEST_ORDER_PLACED")
}

func TestLoginOpensBrowser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l := e.startLogin(nil, "--serial", "B1", "--redirect-url", "http://127.0.0.1:0/callback", "--json")
	route := waitFor(t, &l.errOut, routeRE)
	waitFor(t, &l.errOut, regexp.MustCompile(`Opened your browser\.`))
	if urls := e.browser.URLs(); len(urls) != 1 || urls[0] != route {
		t.Fatalf("browser opened %v, want [%s]", urls, route)
	}
	b := drssimtest.NewBrowser("")
	if _, _, err := b.Answer(t.Context(), consent(t, b, route), "allow"); err != nil {
		t.Fatal(err)
	}
	r := l.wait(t)
	wantCode(t, r, 0)
	js := decode[login.Result](t, r)
	if !js.Linked || js.Serial != "B1" || js.TestDevice || js.DeviceModel != "CoffeeMaker01" || !strings.HasPrefix(js.Store, "file:") {
		t.Errorf("JSON = %+v", js)
	}
	noSecret(t, r, e.stored("B1"))
	r = e.run("replenish", firstSlot(t), "--serial", "B1")
	wantContains(t, "stdout", r.stdout, "STANDARD_ORDER_PLACED")
}

func TestLoginPaste(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pr, pw := io.Pipe()
	defer pw.Close()
	l := e.startLogin(pr, "--serial", "P1", "--test", "--paste", "--no-browser")
	authURL := waitFor(t, &l.errOut, authzRE)
	waitFor(t, &l.errOut, regexp.MustCompile(`paste it here`)) // printed after the address

	const redirect = login.DefaultRedirectURL // nothing listens there
	b := drssimtest.NewBrowser(redirect)
	_, p, err := b.Answer(t.Context(), consent(t, b, authURL), "allow")
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != http.StatusFound || !strings.HasPrefix(p.Location, redirect+"?") {
		t.Fatalf("after allow: HTTP %d to %q, want a redirect to %s", p.Status, p.Location, redirect)
	}

	io.WriteString(pw, "\nnot the address\n")
	waitFor(t, &l.errOut, regexp.MustCompile(`no code or error parameter\.\nPaste the address again`))
	io.WriteString(pw, redirect+"?code=made-up&state=forged.sig\n")
	waitFor(t, &l.errOut, regexp.MustCompile(`did not finish the login: .*\nPaste the address again`))
	io.WriteString(pw, "  "+p.Location+"  \n")
	r := l.wait(t)
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "device linked: CoffeeMaker01/P1 (test device)")
	if e.stored("P1") == "" {
		t.Fatal("no refresh token stored")
	}
	noSecret(t, r, e.stored("P1"))
}

func TestLoginPasteEndOfInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.runIn(strings.NewReader(""), "login", "--serial", "P2", "--paste")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "no address was pasted", "(code 1010)")
}

func TestLoginDenied(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l := e.startLogin(nil, "--serial", "D1", "--no-browser", "--redirect-url", "http://127.0.0.1:0/callback")
	route := waitFor(t, &l.errOut, routeRE)
	b := drssimtest.NewBrowser("")
	_, p, err := b.Answer(t.Context(), consent(t, b, route), "deny")
	if err != nil {
		t.Fatal(err)
	}
	if p.Title() != "Linking failed" {
		t.Errorf("page %q, want Linking failed", p.Title())
	}
	r := l.wait(t)
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "error: Login:", "access_denied", "(code 1010)")
	if e.stored("D1") != "" {
		t.Error("a token was stored for a denied login")
	}
}

func TestLoginTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.run("login", "--serial", "T1", "--no-browser", "--redirect-url", "http://127.0.0.1:0/callback", "--timeout", "100ms")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "not linked within 100ms", "(code 28)")
}

func TestLoginPortInUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r := e.run("login", "--serial", "X1", "--no-browser", "--redirect-url", "http://"+ln.Addr().String()+"/callback")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "cannot listen on "+ln.Addr().String())
}

func TestLoginUsage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"login"}, "--model and --serial"},
		{[]string{"login", "--serial", "S", "--redirect-url", "http://example.com/callback"}, "loopback"},
		{[]string{"login", "--serial", "S", "--redirect-url", "https://127.0.0.1/callback"}, "plain-http loopback"},
		{[]string{"login", "--serial", "S", "--redirect-url", "not a url"}, "absolute http(s) URL"},
		{[]string{"login", "--serial", "S", "--redirect-url", "http://127.0.0.1:0/cb?x=1"}, "without query"},
		{[]string{"login", "--serial", "S", "--paste", "--redirect-url", "http://127.0.0.1:0/callback"}, "port 0"},
		{[]string{"login", "--serial", "S", "--timeout", "0s"}, "--timeout must be positive"},
		{[]string{"login", "--serial", "S", "--timeout", "soon"}, "invalid argument"},
	} {
		r := e.run(tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

func TestLoginNonLive(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	model := drssim.DefaultNonLiveModel

	// Without --non-live, LWA refuses a model that is not certified yet.
	l := e.startLogin(nil, "--model", model, "--serial", "N1", "--no-browser", "--redirect-url", "http://127.0.0.1:0/callback")
	p, err := drssimtest.NewBrowser("").Get(t.Context(), waitFor(t, &l.errOut, routeRE))
	if err != nil {
		t.Fatal(err)
	}
	if p.Title() != "Linking failed" {
		t.Errorf("page %q, want Linking failed", p.Title())
	}
	r := l.wait(t)
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "error: Login:", "invalid_scope", "(code 1010)")

	l = e.startLogin(nil, "--model", model, "--serial", "N1", "--test", "--non-live", "--no-browser", "--redirect-url", "http://127.0.0.1:0/callback", "--json")
	b := drssimtest.NewBrowser("")
	c := consent(t, b, waitFor(t, &l.errOut, routeRE))
	wantContains(t, "consent page", c.Body, `id="non-live"`)
	if _, _, err := b.Answer(t.Context(), c, "allow"); err != nil {
		t.Fatal(err)
	}
	r = l.wait(t)
	wantCode(t, r, 0)
	if js := decode[login.Result](t, r); !js.Linked || !js.NonLive || !js.TestDevice || js.DeviceModel != model {
		t.Errorf("JSON = %+v", js)
	}
	if d, ok := e.sim.Device(drssim.DefaultClientID, model, "N1"); !ok || !d.NonLive || !d.Registered {
		t.Errorf("emulator holds %+v", d)
	}
}

// TestLoginExchangeFails: a failed code exchange ends drs login with LWA's
// HTTP status as the code, from the route and from a pasted address.
func TestLoginExchangeFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l := e.startLogin(nil, "--serial", "F1", "--no-browser", "--redirect-url", "http://127.0.0.1:0/callback")
	route := waitFor(t, &l.errOut, routeRE)
	if err := e.sim.InjectFault(drssim.Fault{Endpoint: drssim.EndpointToken, Status: 503}); err != nil {
		t.Fatal(err)
	}
	p, err := drssimtest.NewBrowser("").Link(t.Context(), route, "allow")
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != http.StatusBadGateway || p.Title() != "Linking failed" {
		t.Errorf("page: HTTP %d %q, want 502 Linking failed", p.Status, p.Title())
	}
	r := l.wait(t)
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "error: Exchange: HTTP 503", "(code 503)")
	if e.stored("F1") != "" {
		t.Error("a token was stored for a failed login")
	}

	// Pasted after the code expired: LWA answers 400 invalid_grant.
	pr, pw := io.Pipe()
	defer pw.Close()
	l = e.startLogin(pr, "--serial", "F2", "--paste", "--no-browser")
	authURL := waitFor(t, &l.errOut, authzRE)
	b := drssimtest.NewBrowser(login.DefaultRedirectURL)
	_, p, err = b.Answer(t.Context(), consent(t, b, authURL), "allow")
	if err != nil {
		t.Fatal(err)
	}
	e.sim.Advance(6 * time.Minute)
	io.WriteString(pw, p.Location+"\n")
	r = l.wait(t)
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "invalid_grant", "(code 400)")
	noSecret(t, r)
}

// TestLoginStoreUnreadable: drs login checks that the device's record can
// be replaced before sending the customer to Amazon. A token encrypted with
// another key stops it at once, with advice; a plaintext token under an
// encrypted store is replaced, encrypted, by the new one.
func TestLoginStoreUnreadable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.saveEncrypted(testKeyA, "L1", e.link("L1", true))
	e.vars["DRS_STORE_KEY"] = testKeyB
	r := e.run("login", "--serial", "L1", "--test", "--no-browser", "--redirect-url", "http://127.0.0.1:0/callback", "--timeout", "10s")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "check DRS_STORE_KEY", "drs token delete")
	if strings.Contains(r.stderr, "/ap/oa") || strings.Contains(r.stderr, "callback") {
		t.Errorf("drs login started the flow before failing:\n%s", r.stderr)
	}

	old := e.link("L2", true) // plaintext
	l := e.startLogin(nil, "--serial", "L2", "--test", "--no-browser", "--redirect-url", "http://127.0.0.1:0/callback")
	route := waitFor(t, &l.errOut, routeRE)
	b := drssimtest.NewBrowser("")
	if _, _, err := b.Answer(t.Context(), consent(t, b, route), "allow"); err != nil {
		t.Fatal(err)
	}
	r = l.wait(t)
	wantCode(t, r, 0)
	if raw := e.stored("L2"); raw == "" || raw == old || !strings.HasPrefix(raw, "enc:") {
		t.Errorf("stored record after login under DRS_STORE_KEY = %.12q..., want a new encrypted token", raw)
	}
	wantCode(t, e.run("replenish", firstSlot(t), "--serial", "L2"), 0)
}

// TestLoginInterruptedDuringExchange: a Ctrl+C (the context ending) while
// the return trip exchanges the code does not make drs login report "not
// linked": it waits for the exchange and reports the device linked.
func TestLoginInterruptedDuringExchange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.sim.InjectFault(drssim.Fault{Endpoint: drssim.EndpointToken, Delay: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	l := &loginRun{done: make(chan int, 1)}
	go func() {
		l.done <- e.runWith(ctx, nil, &l.out, &l.errOut, "login", "--serial", "L-int", "--test", "--no-browser", "--redirect-url", "http://127.0.0.1:0/callback")
	}()
	route := waitFor(t, &l.errOut, routeRE)
	b := drssimtest.NewBrowser("")
	page := make(chan *drssimtest.Page, 1)
	go func() {
		_, p, err := b.Answer(context.Background(), consent(t, b, route), "allow")
		if err != nil {
			t.Error(err)
		}
		page <- p
	}()
	for deadline := time.Now().Add(30 * time.Second); e.sim.Requests(drssim.EndpointToken) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the exchange never reached the emulator; stderr:\n%s", l.errOut.String())
		}
	}
	cancel() // Ctrl+C while the exchange waits on the emulator
	r := l.wait(t)
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "✓ device linked: CoffeeMaker01/L-int (test device)")
	if e.stored("L-int") == "" {
		t.Error("no refresh token stored")
	}
	if p := <-page; p == nil || p.Status != http.StatusOK {
		t.Errorf("final page: %+v, want 200", p)
	}
}
