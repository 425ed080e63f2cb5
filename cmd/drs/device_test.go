package main

// End-to-end tests of drs device list/use, the remembered device's
// precedence, drs token show/delete/reencrypt and drs deregister after
// Amazon revoked the token.

import (
	"context"
	"strings"
	"testing"

	"github.com/amazondrs/drs/cmd/drs/internal/cmd/deregister"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/device"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/token"
	"github.com/amazondrs/drs/store"
	"github.com/google/go-cmp/cmp"
)

// runTTY runs drs as if standard input were a terminal.
func (e *env) runTTY(args ...string) result {
	var out, errOut syncBuffer
	f := newFactory(strings.NewReader(""), &out, &errOut, func(k string) string { return e.vars[k] })
	f.Browser = e.browser
	f.StdinIsTerminal = func() bool { return true }
	code := runContext(e.t.Context(), f, args)
	return result{code, out.String(), errOut.String()}
}

func TestDeviceListAndUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.link("S2", true)
	e.link("S1", true)
	slot := firstSlot(t)

	js := decode[device.ListResult](t, e.run("device", "list", "--json"))
	want := []device.Entry{{Model: "CoffeeMaker01", Serial: "S1"}, {Model: "CoffeeMaker01", Serial: "S2"}}
	if diff := cmp.Diff(want, js.Devices); diff != "" || js.Default != nil {
		t.Errorf("device list before use (-want +got):\n%s\ndefault %v", diff, js.Default)
	}

	// Nothing named, nothing remembered: no device.
	r := e.run("slot-status", slot, "--remaining", "1", "--original", "2")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "(code 1000)")

	r = e.run("device", "use", "CoffeeMaker01/S2")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "Default device for client ID", "is now CoffeeMaker01/S2", e.vars["DRS_CONFIG"])
	r = e.run("device", "list")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "  CoffeeMaker01/S1\n* CoffeeMaker01/S2\n", "* is the default device")

	// The remembered device is used, and named, by every device command.
	r = e.run("slot-status", slot, "--remaining", "1", "--original", "2")
	wantCode(t, r, 0)
	wantContains(t, "stderr", r.stderr, "Device: CoffeeMaker01/S2 (remembered with 'drs device use')")
	r = e.run("token", "show")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "Device:        CoffeeMaker01/S2")

	// A flag, then the environment, win over it.
	r = e.run("device-status", "--serial", "S1")
	wantCode(t, r, 0)
	wantContains(t, "stderr", r.stderr, "Device: CoffeeMaker01/S1 (model from the emulator's default, serial from flags)")
	e.vars["DRS_DEVICE_SERIAL"] = "S1"
	r = e.run("device-status")
	wantContains(t, "stderr", r.stderr, "Device: CoffeeMaker01/S1 (model from the emulator's default, serial from environment)")
	delete(e.vars, "DRS_DEVICE_SERIAL")

	// replenish and deregister on a remembered device need a terminal.
	for _, args := range [][]string{{"replenish", slot}, {"deregister"}} {
		r = e.run(args...)
		wantCode(t, r, 2)
		wantContains(t, "stderr", r.stderr, "remembered device CoffeeMaker01/S2", "standard input is not a terminal", "--model CoffeeMaker01 --serial S2")
	}
	if n := len(e.sim.Orders()); n != 0 {
		t.Fatalf("%d orders placed by a refused replenish", n)
	}
	r = e.runTTY("replenish", slot)
	wantCode(t, r, 0)
	wantContains(t, "stderr", r.stderr, "Device: CoffeeMaker01/S2 (remembered")
	e.vars["DRS_DEVICE_MODEL"], e.vars["DRS_DEVICE_SERIAL"] = "CoffeeMaker01", "S2"
	wantCode(t, e.run("cancel-test-orders"), 0)
	wantCode(t, e.run("replenish", slot), 0)
	delete(e.vars, "DRS_DEVICE_MODEL")
	delete(e.vars, "DRS_DEVICE_SERIAL")

	// A device with no token is refused; --clear forgets.
	r = e.run("device", "use", "CoffeeMaker01/NEVER")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "no refresh token stored for device CoffeeMaker01/NEVER", "drs login")
	if js := decode[device.ListResult](t, e.run("device", "list", "--json")); js.Default == nil || js.Default.Serial != "S2" {
		t.Errorf("a refused use changed the default: %+v", js.Default)
	}
	wantCode(t, e.run("device", "use", "--clear"), 0)
	if js := decode[device.ListResult](t, e.run("device", "list", "--json")); js.Default != nil {
		t.Errorf("after --clear: default %+v", js.Default)
	}
}

// TestDeviceListEncryptedStores: drs device list works through an
// encrypted store of every kind, without needing to open the tokens.
func TestDeviceListEncryptedStores(t *testing.T) {
	t.Parallel()
	for _, scheme := range []string{"file", "sqlite"} {
		e := newEnv(t)
		e.vars["DRS_STORE"] = scheme + ":" + t.TempDir() + "/tokens"
		e.saveEncrypted(testKeyA, "S1", "Atzr|from-another-key")
		e.vars["DRS_STORE_KEY"] = testKeyB // opens nothing: listing still works
		js := decode[device.ListResult](t, e.run("device", "list", "--json"))
		if len(js.Devices) != 1 || js.Devices[0].Serial != "S1" || !strings.HasPrefix(js.Store, scheme+":") {
			t.Errorf("%s: device list = %+v", scheme, js)
		}
	}
}

func TestTokenSubcommands(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.link("S1", true)

	r := e.run("token", "show", "--serial", "S1")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "Refresh token: stored")
	noSecret(t, r, tok)

	// delete says whether anything was there.
	js := decode[token.Result](t, e.run("token", "delete", "--serial", "S1", "--json"))
	if js.Deleted == nil || !*js.Deleted || js.Stored {
		t.Errorf("first delete: %+v", js)
	}
	r = e.run("token", "delete", "--serial", "S1")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "Refresh token: nothing was stored, nothing deleted")
	if js := decode[token.Result](t, e.run("token", "delete", "--serial", "S1", "--json")); js.Deleted == nil || *js.Deleted {
		t.Errorf("second delete: %+v", js)
	}

	// The old flags still work, with a warning.
	e.link("S1", true)
	r = e.run("token", "--serial", "S1", "--delete")
	wantCode(t, r, 0)
	wantContains(t, "stderr", r.stderr, "warning: drs token --delete is deprecated", "use drs token delete")
	wantContains(t, "stdout", r.stdout, "Refresh token: deleted from the store")
	if e.stored("S1") != "" {
		t.Error("--delete left the token")
	}
}

// TestTokenReencryptPlaintext: a token stored before DRS_STORE_KEY was set
// is encrypted in place by drs token reencrypt, then used.
func TestTokenReencryptPlaintext(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.link("S1", true)
	e.vars["DRS_STORE_KEY"] = testKeyA

	r := e.run("replenish", firstSlot(t), "--serial", "S1")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "not encrypted", "drs token reencrypt")

	r = e.run("token", "reencrypt", "--serial", "S1")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "was stored in plain text, now stored encrypted with DRS_STORE_KEY")
	noSecret(t, r, tok)
	raw := e.stored("S1")
	if !strings.HasPrefix(raw, store.EncryptedPrefix) {
		t.Fatalf("the stored value is not encrypted: %.10q...", raw)
	}
	key, _ := store.ParseEncryptionKey(testKeyA)
	enc, _ := store.Encrypt(e.store(), key)
	if got, err := enc.Load(context.Background(), e.key("S1")); err != nil || got != tok {
		t.Fatalf("the encrypted token does not open to the old one: %v", err)
	}
	wantCode(t, e.run("replenish", firstSlot(t), "--serial", "S1"), 0)

	// Again: an encrypted token is re-encrypted, not "plaintext".
	js := decode[token.Result](t, e.run("token", "reencrypt", "--serial", "S1", "--json"))
	if !js.Reencrypted || js.WasPlaintext {
		t.Errorf("second reencrypt: %+v", js)
	}
	r = e.run("token", "reencrypt", "--serial", "NOPE")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "no refresh token stored", "(code 1000)")
	delete(e.vars, "DRS_STORE_KEY")
	r = e.run("token", "reencrypt", "--serial", "S1")
	wantCode(t, r, 2)
	wantContains(t, "stderr", r.stderr, "needs the key to encrypt with in DRS_STORE_KEY")
}

// TestDeregisterAlreadyRevoked: a device whose token Amazon revoked
// already (deregistered elsewhere) deregisters as done, says so, and its
// stored token is deleted.
func TestDeregisterAlreadyRevoked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.link("S1", true)
	c, err := e.sim.Client()
	if err != nil {
		t.Fatal(err)
	}
	c.SetRefreshToken(tok)
	if err := c.Deregister(t.Context()); err != nil {
		t.Fatal(err)
	}
	r := e.run("deregister", "--serial", "S1")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "Amazon had already revoked its token", "deleted from")
	wantContains(t, "stderr", r.stderr, "Device: CoffeeMaker01/S1")
	noSecret(t, r, tok)
	if e.stored("S1") != "" {
		t.Error("the dead token is still stored")
	}

	e.link("S2", true)
	js := decode[deregister.Result](t, e.run("deregister", "--serial", "S2", "--json"))
	if !js.Deregistered || js.AlreadyRevoked || !js.TokenDeleted {
		t.Errorf("a live deregistration: %+v", js)
	}
}
