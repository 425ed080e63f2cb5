package main

import (
	"strings"
	"testing"

	"github.com/amazondrs/drs/cmd/drs/internal/cmd/canceltest"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/deregister"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/devicestatus"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/orderinfo"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/replenish"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/slotstatus"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/subscription"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/token"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/drssim/drssimtest"
)

func TestReplenish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.link("S1", true)
	slot := firstSlot(t)

	r := e.run("replenish", slot, "--serial", "S1")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "✓ Test order placed", "detailCode:      TEST_ORDER_PLACED", "eventInstanceId: amzn1.dash.v2.o.", "slot:            "+slot)
	noSecret(t, r, tok)

	r = e.run("replenish", slot, "--serial", "S1", "--json")
	wantCode(t, r, 0)
	got := decode[replenish.Result](t, r)
	if got.DetailCode != "ORDER_INPROGRESS" || got.SlotID != slot || !strings.HasPrefix(got.EventInstanceID, "amzn1.dash.v2.o.") || got.RequestID == "" {
		t.Errorf("second replenish = %+v, want ORDER_INPROGRESS for the open order", got)
	}
	wantContains(t, "JSON", r.stdout, `"slotId"`, `"detailCode"`, `"eventInstanceId"`)
}

func TestReplenishStandardOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.link("LIVE1", false)
	r := e.run("replenish", firstSlot(t), "--serial", "LIVE1", "--json")
	wantCode(t, r, 0)
	if got := decode[replenish.Result](t, r); got.DetailCode != "STANDARD_ORDER_PLACED" {
		t.Errorf("detailCode = %q, want STANDARD_ORDER_PLACED", got.DetailCode)
	}
}

func TestReplenishUnknownSlot(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.link("S1", true)
	r := e.run("replenish", "no-such-slot", "--serial", "S1")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "error: Replenish: HTTP 404", "(code 404)")
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
}

func TestNoToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, args := range [][]string{
		{"replenish", "slot", "--serial", "NEVER-LINKED"},
		{"replenish", "slot"}, // no serial: the device cannot be named
		{"subscription-info", "--serial", "NEVER-LINKED"},
	} {
		r := e.run(args...)
		wantCode(t, r, 1)
		if !strings.HasPrefix(errorLine(r.stderr), "error: ") || !strings.Contains(r.stderr, "no refresh token") || !strings.HasSuffix(strings.TrimSpace(r.stderr), "(code 1000)") {
			t.Errorf("%v: stderr = %q, want a code 1000 error", args, r.stderr)
		}
	}
}

func TestEnvRefreshToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l, err := e.sim.LinkDevice(drssim.LinkRequest{Serial: "ENV1", TestDevice: true})
	if err != nil {
		t.Fatal(err)
	}
	e.vars["DRS_REFRESH_TOKEN"] = l.RefreshToken
	r := e.run("replenish", firstSlot(t), "--json") // no model or serial needed
	wantCode(t, r, 0)
	if got := decode[replenish.Result](t, r); got.DetailCode != "TEST_ORDER_PLACED" {
		t.Errorf("detailCode = %q", got.DetailCode)
	}
	noSecret(t, r, l.RefreshToken)
	if e.stored("ENV1") != "" {
		t.Error("a token from DRS_REFRESH_TOKEN was written to the store")
	}
}

func TestMissingCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	delete(e.vars, "DRS_EMULATOR_HOST")
	r := e.run("replenish", "slot", "--serial", "S1")
	wantCode(t, r, 2)
	wantContains(t, "stderr", r.stderr, "missing client credentials", "DRS_CLIENT_ID", "DRS_CLIENT_SECRET", "(code 1010)")

	e.vars["DRS_CLIENT_ID"] = "amzn1.application-oa2-client.x"
	r = e.run("replenish", "slot", "--serial", "S1")
	wantCode(t, r, 2)
	wantContains(t, "stderr", r.stderr, "missing client secret")

	// drs login checks the credentials before it opens the store.
	e.vars["DRS_STORE"] = "bogus:store"
	r = e.run("login", "--model", "M", "--serial", "S1", "--no-browser")
	wantCode(t, r, 2)
	wantContains(t, "stderr", r.stderr, "missing client secret")
}

func TestExplicitCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.link("S1", true)
	addr := e.vars["DRS_EMULATOR_HOST"]
	delete(e.vars, "DRS_EMULATOR_HOST")
	e.vars["DRS_CLIENT_SECRET"] = drssim.DefaultClientSecret
	r := e.run("subscription-info", "--emulator", addr, "--client-id", drssim.DefaultClientID, "--model", drssim.DefaultModel, "--serial", "S1")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "result version 2.0")

	r = e.run("subscription-info", "--emulator", addr, "--client-id", drssim.DefaultClientID, "--client-secret", "wrong", "--model", drssim.DefaultModel, "--serial", "S1")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "invalid_client")
	noSecret(t, r, "wrong-secret-value")
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"replenish"}, "missing argument SLOT"},
		{[]string{"replenish", "a", "b"}, "too many arguments"},
		{[]string{"replenish", "a", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"order-info"}, "missing argument ID"},
		{[]string{"cancel-test-orders", "a", "b"}, "too many arguments"},
		{[]string{"slot-status", "a", "--original", "10"}, "missing --remaining"},
		{[]string{"slot-status", "a", "--remaining", "x", "--original", "10"}, "invalid argument"},
		{[]string{"slot-status", "a", "--remaining", "1", "--original", "10", "--last-use", "yesterday"}, "invalid --last-use"},
		{[]string{"slot-status", "a", "--remaining", "-1", "--original", "10"}, "must not be negative"},
		{[]string{"slot-status", "a", "--remaining", "NaN", "--original", "10"}, "--remaining must be a number"},
		{[]string{"slot-status", "a", "--remaining", "+Inf", "--original", "10"}, "--remaining must be a number"},
		{[]string{"device-status", "--last-active", "2026-13-01"}, "invalid --last-active"},
		{[]string{"device-status", "extra"}, "too many arguments"},
		{[]string{"token"}, "--model and --serial"},
		{[]string{"sim", "--addr", "nonsense"}, "invalid --addr"},
		{[]string{"sim", "--config", "/nonexistent/config.json"}, "--config"},
	} {
		r := e.run(tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "(code 1010)") || !strings.Contains(r.stderr, "--help' for usage") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.run("--help")
	wantCode(t, r, 0)
	for _, c := range []string{"login", "replenish", "cancel-test-orders", "slot-status", "device-status", "subscription-info", "order-info", "deregister", "token", "sim", "demo"} {
		wantContains(t, "help", r.stdout, "  "+c+" ")
	}
	wantContains(t, "help", r.stdout, "--client-id", "--store", "--json", "--debug", "--emulator")
}

func TestCancelTestOrders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.link("S1", true)
	slot := firstSlot(t)
	wantCode(t, e.run("replenish", slot, "--serial", "S1"), 0)

	r := e.run("cancel-test-orders", slot, "--serial", "S1")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "✓ Test orders cancelled for slot "+slot, slot+": NO_ORDER_IN_PROGRESS")

	r = e.run("replenish", slot, "--serial", "S1", "--json")
	if got := decode[replenish.Result](t, r); got.DetailCode != "TEST_ORDER_PLACED" {
		t.Errorf("replenish after cancel = %q, want TEST_ORDER_PLACED", got.DetailCode)
	}

	r = e.run("cancel-test-orders", "--serial", "S1", "--json")
	wantCode(t, r, 0)
	got := decode[canceltest.Result](t, r)
	if len(got.SlotOrderStatuses) != len(drssim.DefaultConfig().Models[0].Slots) {
		t.Errorf("cancel all = %+v, want every slot", got)
	}
	for _, s := range got.SlotOrderStatuses {
		if s.OrderStatus != "NO_ORDER_IN_PROGRESS" {
			t.Errorf("slot %s: %s", s.SlotID, s.OrderStatus)
		}
	}
	for _, o := range e.sim.Orders() {
		if o.Status != drssim.OrderCancelled {
			t.Errorf("order %s of slot %s is %s, want cancelled", o.ID, o.SlotID, o.Status)
		}
	}

	// A real order cannot be cancelled here, and the output says why.
	e.link("LIVE1", false)
	wantCode(t, e.run("replenish", slot, "--serial", "LIVE1"), 0)
	r = e.run("cancel-test-orders", slot, "--serial", "LIVE1")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, slot+": ORDER_INPROGRESS (a real order is still open: only test orders can be cancelled)")
}

func TestSlotStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.link("S1", true)
	slot := firstSlot(t)
	r := e.run("slot-status", slot, "--serial", "S1", "--remaining", "3.5", "--original", "12", "--on-hand", "2",
		"--expected-replenishment", "2026-03-01T00:00:00Z", "--last-use", "2026-02-27")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "✓ Slot status reported for slot "+slot, "3.5 of 12", "on hand:                2",
		"last use:               2026-02-27T00:00:00Z", "expected replenishment: 2026-03-01T00:00:00Z")
	d, _ := e.sim.Device(drssim.DefaultClientID, drssim.DefaultModel, "S1")
	got := d.SlotStatuses[slot]
	if got.RemainingQuantityInUnit != 3.5 || got.OriginalQuantityInUnit != 12 || got.TotalQuantityOnHand != 2 || got.LastUseDate.Format("2006-01-02") != "2026-02-27" {
		t.Errorf("emulator holds %+v", got)
	}

	r = e.run("slot-status", slot, "--serial", "S1", "--remaining", "0", "--original", "12", "--json")
	wantCode(t, r, 0)
	js := decode[slotstatus.Result](t, r)
	if !js.Reported || js.SlotID != slot || js.RemainingQuantityInUnit != 0 || js.OriginalQuantityInUnit != 12 || js.LastUseDate == "" {
		t.Errorf("JSON = %+v", js)
	}

	r = e.run("slot-status", "no-such-slot", "--serial", "S1", "--remaining", "1", "--original", "2")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "error: SlotStatus: HTTP 400", "no-such-slot", "(code 400)")
}

func TestDeviceStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.link("S1", true)
	r := e.run("device-status", "--serial", "S1", "--last-active", "2026-02-27T08:15:00Z")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "✓ Device status reported", "2026-02-27T08:15:00Z")
	d, _ := e.sim.Device(drssim.DefaultClientID, drssim.DefaultModel, "S1")
	if d.DeviceStatus == nil || d.DeviceStatus.MostRecentlyActiveDate.Format("2006-01-02T15:04") != "2026-02-27T08:15" {
		t.Errorf("emulator holds %+v", d.DeviceStatus)
	}
	r = e.run("device-status", "--serial", "S1", "--json")
	wantCode(t, r, 0)
	if js := decode[devicestatus.Result](t, r); !js.Reported || js.MostRecentlyActiveDate == "" {
		t.Errorf("JSON = %+v", js)
	}
}

func TestSubscriptionInfo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.link("S1", true)
	model := drssim.DefaultConfig().Models[0]
	r := e.run("subscription-info", "--serial", "S1")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "result version 2.0")
	for _, s := range model.Slots {
		wantContains(t, "stdout", r.stdout, s.ID+": subscribed to "+s.Products[0].ASIN)
	}

	r = e.run("subscription-info", "--serial", "S1", "--json")
	wantCode(t, r, 0)
	js := decode[subscription.Result](t, r)
	if js.Version != "2.0" || len(js.Slots) != len(model.Slots) {
		t.Fatalf("JSON = %+v", js)
	}
	s0 := js.Slots[model.Slots[0].ID]
	if !s0.Subscribed || len(s0.Products) != 1 || s0.Products[0].ASIN != model.Slots[0].Products[0].ASIN || s0.Products[0].Unit == "" {
		t.Errorf("slot %s = %+v", model.Slots[0].ID, s0)
	}

	r = e.run("subscription-info", "--serial", "S1", "--json", "--v1")
	wantCode(t, r, 0)
	if js := decode[subscription.Result](t, r); js.Version != "1.0" || !js.Slots[model.Slots[0].ID].Subscribed {
		t.Errorf("v1 JSON = %+v", js)
	}
}

func TestOrderInfo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.link("S1", true)
	slot := firstSlot(t)
	order := decode[replenish.Result](t, e.run("replenish", slot, "--serial", "S1", "--json"))

	r := e.run("order-info", order.EventInstanceID, "--serial", "S1", "--json")
	wantCode(t, r, 0)
	js := decode[orderinfo.Result](t, r)
	if js.InstanceID != order.EventInstanceID || len(js.Items) != 1 || js.Items[0].SlotID != slot || js.Items[0].Status != drssim.OrderProcessing || js.Items[0].ExpectedDeliveryDate == "" {
		t.Errorf("JSON = %+v", js)
	}

	r = e.run("order-info", order.EventInstanceID, "--serial", "S1")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "Order "+order.EventInstanceID, "slot "+slot+": ", "Processing", "expected delivery")

	r = e.run("order-info", "amzn1.dash.v2.o.unknown", "--serial", "S1")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "error: OrderInfo:", "(code 400)")
}

func TestDeregister(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.link("S1", true)
	r := e.run("deregister", "--serial", "S1")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "✓ Device deregistered", "stored refresh token of CoffeeMaker01/S1 deleted from file:")
	noSecret(t, r, tok)
	if got := e.stored("S1"); got != "" {
		t.Error("the refresh token is still stored after deregister")
	}
	if d, _ := e.sim.Device(drssim.DefaultClientID, drssim.DefaultModel, "S1"); d.Registered {
		t.Error("the emulator still has the device registered")
	}
	r = e.run("replenish", firstSlot(t), "--serial", "S1")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "(code 1000)")

	e.link("S2", true)
	r = e.run("deregister", "--serial", "S2", "--json")
	wantCode(t, r, 0)
	if js := decode[deregister.Result](t, r); !js.Deregistered || !js.TokenDeleted || js.Serial != "S2" {
		t.Errorf("JSON = %+v", js)
	}
}

func TestToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.run("token", "--serial", "S1")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "Device:        CoffeeMaker01/S1", "Store:         file:", "Refresh token: not stored")

	r = e.run("token", "--serial", "S1", "--reveal")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "(code 1000)")

	tok := e.link("S1", true)
	for _, args := range [][]string{{"token", "--serial", "S1"}, {"token", "--serial", "S1", "--json"}, {"token", "--serial", "S1", "--debug"}} {
		r = e.run(args...)
		wantCode(t, r, 0)
		noSecret(t, r, tok)
	}
	wantContains(t, "stdout", e.run("token", "--serial", "S1").stdout, "Refresh token: stored")
	js := decode[token.Result](t, e.run("token", "--serial", "S1", "--json"))
	if !js.Stored || js.EnvOverride || js.RefreshToken != "" || !strings.HasPrefix(js.Store, "file:") || js.ClientID != drssim.DefaultClientID {
		t.Errorf("JSON = %+v", js)
	}

	r = e.run("token", "--serial", "S1", "--reveal")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, tok)
	js = decode[token.Result](t, e.run("token", "--serial", "S1", "--reveal", "--json"))
	if js.RefreshToken != tok {
		t.Error("--reveal --json does not give the stored token")
	}

	e.vars["DRS_REFRESH_TOKEN"] = "Atzr|from-the-environment"
	r = e.run("token", "--serial", "S1")
	wantContains(t, "stdout", r.stdout, "DRS_REFRESH_TOKEN is set")
	noSecret(t, r, tok, "from-the-environment")
	js = decode[token.Result](t, e.run("token", "--json"))
	if !js.EnvOverride || js.Stored || js.RefreshToken != "" {
		t.Errorf("JSON with only DRS_REFRESH_TOKEN = %+v", js)
	}
	r = e.run("token")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "Device:        not named", "Override:      DRS_REFRESH_TOKEN is set")
	noSecret(t, r, "from-the-environment")
}

func TestStoreSpecs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	spec := "sqlite:" + t.TempDir() + "/tokens.db"
	e.vars["DRS_STORE"] = spec
	e.link("S1", true)
	r := e.run("token", "--serial", "S1", "--json")
	wantCode(t, r, 0)
	if js := decode[token.Result](t, r); !js.Stored || !strings.HasPrefix(js.Store, "sqlite:") {
		t.Errorf("JSON = %+v", js)
	}
	r = e.run("token", "--serial", "S1", "--store", "bogus:thing")
	wantCode(t, r, 2)
	wantContains(t, "stderr", r.stderr, `invalid --store (or DRS_STORE): unknown scheme "bogus"`)
}

func TestDebug(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.link("S1", true)
	r := e.run("replenish", firstSlot(t), "--serial", "S1", "--debug")
	wantCode(t, r, 0)
	wantContains(t, "stderr", r.stderr, "level=DEBUG", "op=Replenish")
	noSecret(t, r, tok)

	r = e.run("replenish", firstSlot(t), "--serial", "S1")
	if strings.Contains(r.stderr, "DEBUG") {
		t.Errorf("debug output without --debug:\n%s", r.stderr)
	}
}

func TestFlagsFromEnv(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.link("S1", true)
	e.vars["DRS_DEVICE_MODEL"] = drssim.DefaultModel
	e.vars["DRS_DEVICE_SERIAL"] = "S1"
	wantCode(t, e.run("device-status"), 0)
	// A flag wins over the environment.
	r := e.run("device-status", "--serial", "OTHER")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "OTHER", "(code 1000)")
}

// TestRunProcessEnv runs the real entry point with the process environment.
func TestRunProcessEnv(t *testing.T) {
	s, _ := drssimtest.Start(t)
	t.Setenv("DRS_EMULATOR_HOST", s.Addr())
	t.Setenv("DRS_STORE", "file:"+t.TempDir()+"/tokens.json")
	t.Setenv("DRS_CLIENT_ID", "")
	t.Setenv("DRS_CLIENT_SECRET", "")
	t.Setenv("DRS_REFRESH_TOKEN", "")
	t.Setenv("DRS_CONFIG", t.TempDir()+"/config.json")
	var out, errOut syncBuffer
	if code := run([]string{"replenish", firstSlot(t), "--serial", "NOPE"}, strings.NewReader(""), &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "(code 1000)") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
	l, err := s.LinkDevice(drssim.LinkRequest{Serial: "P1", TestDevice: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("DRS_REFRESH_TOKEN", l.RefreshToken)
	var out2, errOut2 syncBuffer
	if code := run([]string{"replenish", firstSlot(t)}, strings.NewReader(""), &out2, &errOut2); code != 0 || !strings.Contains(out2.String(), "TEST_ORDER_PLACED") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out2.String(), errOut2.String())
	}
}

func TestStoreEncryptionKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.link("S1", true) // stored in plain text
	e.vars["DRS_STORE_KEY"] = testKeyA
	r := e.run("replenish", firstSlot(t), "--serial", "S1")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "reading the token store", "decrypt")

	e.vars["DRS_STORE_KEY"] = "not a key"
	r = e.run("token", "--serial", "S1")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "DRS_STORE_KEY")
	if strings.Contains(r.stderr, "not a key") {
		t.Error("the error repeats the key")
	}
}

// TestTokenDelete: --delete removes the stored token without contacting
// Amazon, also one the configured key cannot open, so that the device can be
// linked again; it needs the device named and refuses --reveal with it.
func TestTokenDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.link("S1", true)
	e.link("S2", true)
	e.saveEncrypted(testKeyA, "S1", tok)
	e.saveEncrypted(testKeyA, "S2", e.stored("S2"))

	// Another key cannot read S1's token, and login cannot replace it.
	e.vars["DRS_STORE_KEY"] = testKeyB
	r := e.run("replenish", firstSlot(t), "--serial", "S1")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "drs token delete")

	r = e.run("token", "--serial", "S1", "--delete")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "Refresh token: deleted from the store", "still linked at Amazon")
	noSecret(t, r, tok)

	// Gone for every key; S2 untouched and still readable with its key.
	js := decode[token.Result](t, e.run("token", "--serial", "S1", "--json"))
	if js.Stored {
		t.Errorf("after --delete, with key B: %+v", js)
	}
	e.vars["DRS_STORE_KEY"] = testKeyA
	js = decode[token.Result](t, e.run("token", "--serial", "S1", "--json"))
	if js.Stored {
		t.Errorf("after --delete, with key A: %+v", js)
	}
	if js := decode[token.Result](t, e.run("token", "--serial", "S2", "--json")); !js.Stored {
		t.Errorf("--delete of S1 removed S2: %+v", js)
	}
	js = decode[token.Result](t, e.run("token", "--serial", "S2", "--delete", "--json"))
	if js.Deleted == nil || !*js.Deleted || js.Stored || js.RefreshToken != "" {
		t.Errorf("--delete --json = %+v", js)
	}
	// Deleting what is not there is fine (idempotent).
	wantCode(t, e.run("token", "--serial", "S2", "--delete"), 0)

	// The device can be linked again under key B and used.
	e.vars["DRS_STORE_KEY"] = testKeyB
	e.saveEncrypted(testKeyB, "S1", e.link("S1", true))
	wantCode(t, e.run("replenish", firstSlot(t), "--serial", "S1"), 0)

	r = e.run("token", "--delete")
	wantCode(t, r, 2)
	wantContains(t, "stderr", r.stderr, "delete needs the device")
	r = e.run("token", "--serial", "S1", "--delete", "--reveal")
	wantCode(t, r, 2)
	wantContains(t, "stderr", r.stderr, "reveal", "delete")
}

// TestStorePreviousKeys: with DRS_STORE_PREVIOUS_KEYS a token stored under
// an older key still works after DRS_STORE_KEY changes; a bad previous key
// is a clear error that does not repeat it, and previous keys without a
// current one are refused.
func TestStorePreviousKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.saveEncrypted(testKeyA, "S1", e.link("S1", true))
	e.vars["DRS_STORE_KEY"] = testKeyB
	wantCode(t, e.run("replenish", firstSlot(t), "--serial", "S1"), 1)
	e.vars["DRS_STORE_PREVIOUS_KEYS"] = testKeyA
	r := e.run("replenish", firstSlot(t), "--serial", "S1")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "TEST_ORDER_PLACED")

	// --reencrypt moves the token to key B: then key A is no longer needed.
	before := e.stored("S1")
	r = e.run("token", "--serial", "S1", "--reencrypt")
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "re-encrypted with DRS_STORE_KEY")
	if after := e.stored("S1"); after == before || !strings.HasPrefix(after, "enc:") {
		t.Errorf("--reencrypt left the stored value unchanged or unencrypted")
	}
	delete(e.vars, "DRS_STORE_PREVIOUS_KEYS")
	wantCode(t, e.run("replenish", firstSlot(t), "--serial", "S1"), 0)
	js := decode[token.Result](t, e.run("token", "--serial", "S1", "--reencrypt", "--json"))
	if !js.Reencrypted || !js.Stored || js.RefreshToken != "" {
		t.Errorf("--reencrypt --json = %+v", js)
	}
	r = e.run("token", "--serial", "S9", "--reencrypt")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "no refresh token stored", "(code 1000)")
	r = e.run("token", "--serial", "S1", "--reencrypt", "--delete")
	wantCode(t, r, 2)

	e.vars["DRS_STORE_PREVIOUS_KEYS"] = testKeyA + ", not-a-key"
	r = e.run("token", "--serial", "S1")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "DRS_STORE_PREVIOUS_KEYS: key 2")
	if strings.Contains(r.stderr, "not-a-key") || strings.Contains(r.stderr, testKeyA) {
		t.Errorf("the error repeats a key: %s", r.stderr)
	}
	delete(e.vars, "DRS_STORE_KEY")
	e.vars["DRS_STORE_PREVIOUS_KEYS"] = testKeyA
	r = e.run("token", "--serial", "S1")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "DRS_STORE_PREVIOUS_KEYS is set without DRS_STORE_KEY")
	delete(e.vars, "DRS_STORE_PREVIOUS_KEYS")
	r = e.run("token", "--serial", "S1", "--reencrypt")
	wantCode(t, r, 2)
	wantContains(t, "stderr", r.stderr, "reencrypt needs the key")
}
