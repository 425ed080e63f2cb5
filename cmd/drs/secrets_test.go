package main

// The secret-hygiene test of the CLI: one session runs the demo and every
// device command with --debug (login through the route, the system browser
// and a pasted address; replenish, order-info, subscription-info,
// slot-status, device-status, cancel-test-orders, token, deregister), and
// their failures under the emulator's faults, a wrong client secret and a
// bogus refresh token. Every line printed to stdout or stderr, every page the
// browser lands on and every address the CLI asks the system browser to open
// is checked for the client secret, LWA tokens and authorization codes.
//
// Left out on purpose: drs sim prints the emulator's credentials (they are
// test credentials, labelled "not secret"), and drs token --reveal prints
// the refresh token because it is asked to.

import (
	"fmt"
	"io"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/drssim/drssimtest"
)

// hygiene collects what the CLI printed and the secrets it must not print.
type hygiene struct {
	t       *testing.T
	outputs []string // "where\x00text"
	secrets map[string]bool
}

func (h *hygiene) add(where, text string) { h.outputs = append(h.outputs, where+"\x00"+text) }

func (h *hygiene) run(where string, r result) result {
	h.add(where+" (stdout)", r.stdout)
	h.add(where+" (stderr)", r.stderr)
	return r
}

func (h *hygiene) secret(vals ...string) {
	for _, v := range vals {
		if v != "" {
			h.secrets[v] = true
		}
	}
}

// page records a browser page and learns the codes on the way to it.
func (h *hygiene) page(where string, p *drssimtest.Page) {
	h.add(where, fmt.Sprintf("HTTP %d %s\n%s", p.Status, p.Title(), p.Body))
	for _, hop := range append(p.Hops, p.Location) {
		if u, err := url.Parse(hop); err == nil && u.Query().Get("code") != "" {
			h.secret(u.Query().Get("code"))
		}
	}
}

func (h *hygiene) check() {
	t := h.t
	t.Helper()
	secrets := []string{"Atza|", "Atzr|"}
	for s := range h.secrets {
		secrets = append(secrets, s)
	}
	// Longest first, so that a failure hides whole tokens, not their prefix.
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	for _, o := range h.outputs {
		where, text, _ := strings.Cut(o, "\x00")
		for _, s := range secrets {
			if strings.Contains(text, s) {
				for _, r := range secrets {
					text = strings.ReplaceAll(text, r, "<SECRET>")
				}
				t.Errorf("%s reveals a secret (%.8s...):\n%s", where, s, text)
			}
		}
	}
	codes := 0
	for s := range h.secrets {
		if !strings.HasPrefix(s, "Atz") && s != drssim.DefaultClientSecret {
			codes++
		}
	}
	if codes < 3 {
		t.Errorf("learnt only %d authorization codes or other secrets: the logins did not run", codes)
	}
	t.Logf("checked %d outputs against %d secret values", len(h.outputs), len(secrets))
}

// browserLink plays the customer on the CLI's login route.
func (h *hygiene) browserLink(where, route, decision string) *drssimtest.Page {
	t := h.t
	t.Helper()
	b := drssimtest.NewBrowser("")
	c := consent(t, b, route)
	h.page(where+": consent page", c)
	_, p, err := b.Answer(t.Context(), c, decision)
	if err != nil {
		t.Fatal(err)
	}
	h.page(where+": final page", p)
	return p
}

func TestSecretHygieneCLI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h := &hygiene{t: t, secrets: map[string]bool{drssim.DefaultClientSecret: true}}
	slot := firstSlot(t)
	debug := func(args ...string) []string { return append(args, "--debug") }

	// The demo, whose emulator logs to stderr with --debug.
	demo := newEnv(t)
	demo.vars = map[string]string{}
	wantCode(t, h.run("demo", demo.run(debug("demo")...)), 0)
	wantCode(t, h.run("demo --json", demo.run(debug("demo", "--json")...)), 0)

	// Login through the route, with a forged visit first.
	l := e.startLogin(nil, debug("--serial", "H1", "--test", "--no-browser", "--redirect-url", "http://127.0.0.1:0/callback")...)
	route := waitFor(t, &l.errOut, routeRE)
	p, err := drssimtest.NewBrowser("").Get(t.Context(), route+"?code=forged-code&state=forged.signature")
	if err != nil {
		t.Fatal(err)
	}
	h.page("login route, forged state", p)
	waitFor(t, &l.errOut, regexp.MustCompile(`warning: ignored a visit`))
	h.browserLink("login route", route, "allow")
	wantCode(t, h.run("login --no-browser", l.wait(t)), 0)
	h.secret(e.stored("H1"))
	if e.stored("H1") == "" {
		t.Fatal("login stored no token")
	}

	// Login through the system browser (the stub records what it opens).
	l = e.startLogin(nil, debug("--serial", "H2", "--redirect-url", "http://127.0.0.1:0/callback", "--json")...)
	route = waitFor(t, &l.errOut, routeRE)
	waitFor(t, &l.errOut, regexp.MustCompile(`Opened your browser\.`))
	h.browserLink("login via the system browser", route, "allow")
	wantCode(t, h.run("login --json", l.wait(t)), 0)
	h.add("addresses opened in the system browser", strings.Join(e.browser.URLs(), "\n"))
	h.secret(e.stored("H2"))

	// Login by pasting the address: a forged one, then the real one.
	pr, pw := io.Pipe()
	l = e.startLogin(pr, debug("--serial", "H3", "--test", "--paste", "--no-browser")...)
	authURL := waitFor(t, &l.errOut, authzRE)
	b := drssimtest.NewBrowser("http://127.0.0.1:8182/callback")
	c := consent(t, b, authURL)
	_, p, err = b.Answer(t.Context(), c, "allow")
	if err != nil {
		t.Fatal(err)
	}
	h.page("paste: browser stopped at the return address", p)
	io.WriteString(pw, "http://127.0.0.1:8182/callback?code=forged-code&state=x.y\n")
	waitFor(t, &l.errOut, regexp.MustCompile(`Paste the address again`))
	io.WriteString(pw, p.Location+"\n")
	wantCode(t, h.run("login --paste", l.wait(t)), 0)
	pw.Close()
	h.secret(e.stored("H3"))

	// A denied login, and logins whose code exchange fails under each fault.
	l = e.startLogin(nil, debug("--serial", "H4", "--no-browser", "--redirect-url", "http://127.0.0.1:0/callback")...)
	h.browserLink("denied login", waitFor(t, &l.errOut, routeRE), "deny")
	wantCode(t, h.run("login denied", l.wait(t)), 1)
	faults := []drssim.Fault{
		{Status: 400, Body: `{"message":"Invalid token"}`, Headers: map[string]string{"X-Amzn-Errortype": "InvalidTokenException:x"}},
		{Status: 404}, {Status: 429, RetryAfter: "1"}, {Status: 500}, {Status: 503},
		{Drop: "before"}, {Drop: "after"}, {Truncate: true}, {Malformed: true}, {HTML: true}, {BodySize: 10 << 20},
	}
	for i, f := range faults {
		f.Endpoint = drssim.EndpointToken
		l = e.startLogin(nil, debug("--serial", fmt.Sprintf("HF%d", i), "--no-browser", "--redirect-url", "http://127.0.0.1:0/callback")...)
		route := waitFor(t, &l.errOut, routeRE)
		if err := e.sim.InjectFault(f); err != nil {
			t.Fatal(err)
		}
		h.browserLink(fmt.Sprintf("login, exchange fault %+v", f), route, "allow")
		wantCode(t, h.run(fmt.Sprintf("login, exchange fault %+v", f), l.wait(t)), 1)
	}

	// Every device command, successful.
	for _, args := range [][]string{
		{"replenish", slot, "--serial", "H1"},
		{"replenish", slot, "--serial", "H1", "--json"}, // ORDER_INPROGRESS
		{"subscription-info", "--serial", "H1"},
		{"subscription-info", "--serial", "H1", "--v1", "--json"},
		{"slot-status", slot, "--remaining", "3.5", "--original", "10", "--serial", "H1"},
		{"device-status", "--serial", "H1", "--json"},
		{"cancel-test-orders", slot, "--serial", "H1"},
		{"cancel-test-orders", "--serial", "H1", "--json"},
		{"token", "--serial", "H1"},
		{"token", "--serial", "H1", "--json"},
	} {
		wantCode(t, h.run(strings.Join(args, " "), e.run(debug(args...)...)), 0)
	}
	orders := e.sim.Orders()
	if len(orders) == 0 {
		t.Fatal("no order placed")
	}
	wantCode(t, h.run("order-info", e.run(debug("order-info", orders[0].ID, "--serial", "H1")...)), 0)

	// Failures: every fault kind on Replenish (sent once) and the ones the
	// refresh does not retry on the token endpoint (every command refreshes
	// first), then one it retries.
	for _, f := range faults {
		f.Endpoint = drssim.EndpointReplenish
		if err := e.sim.InjectFault(f); err != nil {
			t.Fatal(err)
		}
		h.run(fmt.Sprintf("replenish, fault %+v", f), e.run(debug("replenish", "no-such-slot", "--serial", "H1")...))
	}
	for _, f := range []drssim.Fault{faults[0], {Status: 404}, {Malformed: true}, {BodySize: 10 << 20}, {Status: 500, Count: 4}} {
		f.Endpoint = drssim.EndpointToken
		if err := e.sim.InjectFault(f); err != nil {
			t.Fatal(err)
		}
		r := h.run(fmt.Sprintf("subscription-info, refresh fault %+v", f), e.run(debug("subscription-info", "--serial", "H1")...))
		wantCode(t, r, 1)
	}
	if n := e.sim.ClearFaults(); n != 0 {
		t.Errorf("%d faults were not used", n)
	}
	for _, args := range [][]string{
		{"replenish", "no-such-slot", "--serial", "H1"},
		{"order-info", "amzn1.dash.v2.o.unknown", "--serial", "H1"},
		{"replenish", slot, "--serial", "NEVER-LINKED"},
	} {
		wantCode(t, h.run(strings.Join(args, " "), e.run(debug(args...)...)), 1)
	}

	// A wrong client secret, and a bogus refresh token from the environment.
	const wrongSecret = "wrong-client-secret-value"
	h.secret(wrongSecret, "Atzr|bogus-refresh-token")
	wrong := newEnv(t)
	wrong.vars["DRS_CLIENT_ID"], wrong.vars["DRS_CLIENT_SECRET"] = drssim.DefaultClientID, wrongSecret
	wrong.link("W1", true)
	h.secret(wrong.stored("W1"))
	wantCode(t, h.run("wrong client secret", wrong.run(debug("replenish", slot, "--serial", "W1")...)), 1)
	e.vars["DRS_REFRESH_TOKEN"] = "Atzr|bogus-refresh-token"
	r := h.run("bogus DRS_REFRESH_TOKEN", e.run(debug("subscription-info")...))
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "(code 1000)")
	delete(e.vars, "DRS_REFRESH_TOKEN")

	// Deregistration, and a call after it.
	for _, s := range []string{"H1", "H2", "H3"} {
		wantCode(t, h.run("deregister "+s, e.run(debug("deregister", "--serial", s)...)), 0)
	}
	wantCode(t, h.run("replenish after deregister", e.run(debug("replenish", slot, "--serial", "H1")...)), 1)

	// Every successful --debug run logged the library's requests.
	if !strings.Contains(strings.Join(h.outputs, "\n"), "op=Replenish") {
		t.Error("no debug output was captured")
	}
	h.check()
}
