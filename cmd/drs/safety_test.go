package main

// End-to-end tests of what the CLI prints when things go wrong: store
// specs with passwords in every form, a malformed or unreachable emulator,
// a replenish whose answer was lost, errors under --json, bad device names
// and --version.

import (
	"encoding/json"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/amazondrs/drs/drssim"
)

// TestStoreSpecPasswordNeverShown runs a store command on every form of
// spec that once printed its password (keyword DSN, unescaped #, space, /,
// a bad %-escape, a query parameter, an unreachable server), plain, with
// --debug and with --json, from --store and from DRS_STORE.
func TestStoreSpecPasswordNeverShown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const pw = "hunter2"
	closed := closedPort(t)
	for _, tc := range []struct {
		spec string
		code int
	}{
		{"host=db user=drs password=" + pw + "#x dbname=drs", 2},
		{"host=db password='" + pw + " x' dbname=drs", 2},
		{"postgres://drs:" + pw + "#x@127.0.0.1:" + closed + "/drs", 2},
		{"postgres://drs:" + pw + " x@127.0.0.1:" + closed + "/drs", 2},
		{"postgres://drs:" + pw + "/x@127.0.0.1:" + closed + "/drs", 2},
		{"postgres://drs:" + pw + "%zz@127.0.0.1:" + closed + "/drs", 2},
		{"postgres://127.0.0.1:" + closed + "/drs?password=" + pw + "#x", 2},
		{"postgres://drs:" + pw + "@127.0.0.1:" + closed + "/drs?connect_timeout=5", 1},
		{"postgres://drs:" + pw + "%40x@127.0.0.1:" + closed + "/drs", 1},
		{"postgresql://127.0.0.1:" + closed + "/drs?sslmode=disable&password=" + pw, 1},
		{"mysql://drs:" + pw + "@db/drs", 2},
	} {
		for _, extra := range [][]string{nil, {"--debug"}, {"--json"}} {
			args := append([]string{"token", "show", "--serial", "S1", "--store", tc.spec}, extra...)
			r := e.run(args...)
			if r.code != tc.code {
				t.Errorf("%q %v: exit %d, want %d\n%s", tc.spec, extra, r.code, tc.code, r.stderr)
			}
			noSecret(t, r, pw)
			if len(extra) == 1 && extra[0] == "--json" {
				var js cmdutil.ErrorJSON
				if err := json.Unmarshal([]byte(r.stderr), &js); err != nil || js.Error.ExitStatus != tc.code {
					t.Errorf("%q --json: stderr is not the JSON error: %v\n%s", tc.spec, err, r.stderr)
				}
			}
		}
		// The same from the environment, through deregister (a device command).
		e2 := *e
		e2.vars = map[string]string{}
		for k, v := range e.vars {
			e2.vars[k] = v
		}
		e2.vars["DRS_STORE"] = tc.spec
		r := e2.run("deregister", "--serial", "S1", "--debug")
		if r.code != tc.code {
			t.Errorf("DRS_STORE=%q: exit %d, want %d\n%s", tc.spec, r.code, tc.code, r.stderr)
		}
		noSecret(t, r, pw)
	}
}

// TestStoreSpecPostgresWrongPassword: a real server refusing the password
// does not make the CLI print it.
func TestStoreSpecPostgresWrongPassword(t *testing.T) {
	t.Parallel()
	base := os.Getenv("DRS_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("DRS_TEST_POSTGRES_URL is not set (eval \"$(bash .ci/pg-setup)\")")
	}
	i := strings.Index(base, "://")
	at := strings.LastIndex(base, "@")
	user, _, _ := strings.Cut(base[i+3:at], ":")
	const pw = "wr0ng-Pass%23word"
	spec := base[:i+3] + user + ":" + pw + base[at:]
	e := newEnv(t)
	for _, extra := range [][]string{nil, {"--debug"}, {"--json"}} {
		r := e.run(append([]string{"token", "show", "--serial", "S1", "--store", spec}, extra...)...)
		wantCode(t, r, 1)
		wantContains(t, "stderr", r.stderr, "opening the token store")
		noSecret(t, r, pw, "wr0ng-Pass#word")
	}
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	return port
}

func TestEmulatorHostMustBeHostPort(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.link("S1", true)
	for _, tc := range []struct {
		env  string
		args []string
		want string
	}{
		{"", []string{"--emulator", "http://" + e.sim.Addr()}, `drop "http://" and give ` + e.sim.Addr()},
		{"https://" + e.sim.Addr() + "/", nil, `invalid DRS_EMULATOR_HOST "https://` + e.sim.Addr() + `/"`},
		{e.sim.Addr() + "/drs", nil, "without a path"},
		{"localhost", nil, "want host:port"},
	} {
		vars := map[string]string{}
		for k, v := range e.vars {
			vars[k] = v
		}
		if tc.env != "" {
			vars["DRS_EMULATOR_HOST"] = tc.env
		}
		e2 := *e
		e2.vars = vars
		for _, cmd := range [][]string{{"replenish", firstSlot(t), "--serial", "S1"}, {"login", "--serial", "L1", "--no-browser"}, {"token", "--serial", "S1"}} {
			r := e2.run(append(cmd, tc.args...)...)
			wantCode(t, r, 2)
			wantContains(t, "stderr", r.stderr, tc.want, "host:port")
			noSecret(t, r)
		}
	}
	if n := e.sim.Requests(drssim.EndpointReplenish) + e.sim.Requests(drssim.EndpointToken); n != 0 {
		t.Errorf("%d requests reached the emulator", n)
	}
}

// TestEmulatorUnreachable: a command that calls the emulator fails at once
// when nothing listens, and says to start drs sim; drs login does not wait.
func TestEmulatorUnreachable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.vars["DRS_EMULATOR_HOST"] = "127.0.0.1:" + closedPort(t)
	for _, args := range [][]string{
		{"replenish", firstSlot(t), "--serial", "S1"},
		{"login", "--serial", "L1", "--no-browser", "--timeout", "1h"},
		{"subscription-info", "--serial", "S1"},
	} {
		r := e.run(args...)
		wantCode(t, r, 1)
		wantContains(t, "stderr", r.stderr, "cannot reach the emulator at "+e.vars["DRS_EMULATOR_HOST"], "(code 7)", "drs sim")
	}
	r := e.run("replenish", firstSlot(t), "--serial", "S1", "--json")
	var js cmdutil.ErrorJSON
	if err := json.Unmarshal([]byte(r.stderr), &js); err != nil || js.Error.Code != 7 || !strings.Contains(js.Error.Hint, "drs sim") {
		t.Errorf("--json: %v\n%s", err, r.stderr)
	}
}

// TestReplenishOutcomeUnknown: the emulator places the order and drops the
// connection before answering; drs replenish says the order may have been
// placed, how to check, and exits 3.
func TestReplenishOutcomeUnknown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.link("S1", true)
	slot := firstSlot(t)
	for _, tc := range []struct {
		f      drssim.Fault
		placed bool // the emulator placed the order before the fault
	}{
		{drssim.Fault{Endpoint: drssim.EndpointReplenish, Drop: "after"}, true},
		{drssim.Fault{Endpoint: drssim.EndpointReplenish, Status: 503}, false},
		{drssim.Fault{Endpoint: drssim.EndpointReplenish, Malformed: true}, true},
	} {
		f := tc.f
		before := len(e.sim.Orders())
		if err := e.sim.InjectFault(f); err != nil {
			t.Fatal(err)
		}
		r := e.run("replenish", slot, "--serial", "S1")
		wantCode(t, r, cmdutil.ExitOutcomeUnknown)
		wantContains(t, "stderr", r.stderr, "the order may have been placed", "drs subscription-info --model CoffeeMaker01 --serial S1",
			"drs order-info ORDER_ID --model CoffeeMaker01 --serial S1", "ORDER_INPROGRESS")
		noSecret(t, r, tok)
		if placed := len(e.sim.Orders()) > before; placed != tc.placed {
			t.Errorf("%+v: order placed = %v, want %v", f, placed, tc.placed)
		}
		e.run("cancel-test-orders", "--serial", "S1")
	}
	if err := e.sim.InjectFault(drssim.Fault{Endpoint: drssim.EndpointReplenish, Drop: "after"}); err != nil {
		t.Fatal(err)
	}
	r := e.run("replenish", slot, "--serial", "S1", "--json")
	wantCode(t, r, 3)
	var js cmdutil.ErrorJSON
	if err := json.Unmarshal([]byte(r.stderr), &js); err != nil || js.Error.Kind != "outcome_unknown" || js.Error.ExitStatus != 3 || !strings.Contains(js.Error.Hint, "drs order-info") {
		t.Errorf("--json: %v\n%s", err, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
}

// TestErrorsJSON: under --json every error, usage errors included, is one
// JSON object on stderr, and nothing else is there.
func TestErrorsJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		args []string
		code int
		kind string
	}{
		{[]string{"replenish", "--json"}, 2, "usage"},
		{[]string{"--json", "replenish", "a", "--bogus"}, 2, "usage"},
		{[]string{"bogus", "--json"}, 2, "usage"},
		{[]string{"replenish", "a", "--serial", "NOPE", "--json"}, 1, "error"},
		{[]string{"token", "delete", "--json"}, 2, "usage"},
	} {
		r := e.run(tc.args...)
		wantCode(t, r, tc.code)
		var js cmdutil.ErrorJSON
		if err := json.Unmarshal([]byte(r.stderr), &js); err != nil || js.Error.Kind != tc.kind || js.Error.ExitStatus != tc.code || js.Error.Message == "" {
			t.Errorf("%v: %v\n%s", tc.args, err, r.stderr)
		}
	}
}

// TestBadDeviceNameIsUsage: a model or serial DRS would refuse is a usage
// error (exit 2) in every command, from a flag or the environment.
func TestBadDeviceNameIsUsage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, args := range [][]string{
		{"replenish", firstSlot(t), "--model", "bad model", "--serial", "S1"},
		{"login", "--model", "bad/model", "--serial", "S1", "--no-browser"},
		{"token", "show", "--serial", "S 1"},
		{"device-status", "--serial", strings.Repeat("s", 65)},
	} {
		r := e.run(args...)
		wantCode(t, r, 2)
		wantContains(t, "stderr", r.stderr, "must be 1-64 characters", "--help' for usage")
	}
	e.vars["DRS_DEVICE_MODEL"] = "bad model"
	r := e.run("replenish", firstSlot(t), "--serial", "S1")
	wantCode(t, r, 2)
	wantContains(t, "stderr", r.stderr, "invalid DRS_DEVICE_MODEL")
}

func TestVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.run("--version")
	wantCode(t, r, 0)
	// A test binary carries no VCS stamp.
	if !strings.HasPrefix(r.stdout, "drs ") || !strings.Contains(r.stdout, "commit unknown") || !strings.Contains(r.stdout, "go1.") {
		t.Errorf("--version printed %q", r.stdout)
	}
}
