package main

import (
	"strings"
	"testing"

	"github.com/amazondrs/drs/cmd/drs/internal/cmd/demo"
	"github.com/amazondrs/drs/drssim"
)

func TestDemo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// The demo needs nothing from the environment: no emulator, no store.
	e.vars = map[string]string{}
	r := e.run("demo")
	wantCode(t, r, 0)
	for _, step := range []string{
		" 1. ✓ Start the emulator in this process",
		" 2. ✓ Serve the agent's login route",
		" 3. ✓ Browser: open the login route, land on the consent page",
		" 4. ✓ Browser: allow, come back to the route, code exchanged",
		" 5. ✓ Replenish slot ",
		"detailCode:       TEST_ORDER_PLACED",
		" 6. ✓ Replenish slot ",
		"detailCode:       ORDER_INPROGRESS",
		" 7. ✓ Cancel the test order of slot ",
		"NO_ORDER_IN_PROGRESS",
		" 8. ✓ Replenish slot ",
		" 9. ✓ Report the status of slot ",
		"10. ✓ Report device status",
		"11. ✓ Read subscription info",
		"12. ✓ Read order info of the open order",
		"13. ✓ Check the emulator's order book",
		"eventInstanceId:  amzn1.dash.v2.o.",
		"Device linked",
		"✓ All 13 steps passed.",
	} {
		wantContains(t, "stdout", r.stdout, step)
	}
	if strings.Contains(r.stdout, "✗") || r.stderr != "" {
		t.Errorf("a step failed or something went to stderr:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	noSecret(t, r)
}

func TestDemoJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.vars = map[string]string{}
	r := e.run("demo", "--json")
	wantCode(t, r, 0)
	sum := decode[demo.Summary](t, r)
	if !sum.OK || sum.Total != 13 || sum.Passed != 13 || len(sum.Steps) != 13 || !sum.Device.TestDevice || !strings.HasPrefix(sum.Emulator, "http://127.0.0.1:") {
		t.Fatalf("summary = %+v", sum)
	}
	want := map[int]string{5: "TEST_ORDER_PLACED", 6: "ORDER_INPROGRESS", 8: "TEST_ORDER_PLACED"}
	for _, s := range sum.Steps {
		if !s.OK || s.Expected != "" || s.Got != "" {
			t.Errorf("step %d = %+v", s.N, s)
		}
		if w, ok := want[s.N]; ok && s.Values["detailCode"] != w {
			t.Errorf("step %d detailCode = %q, want %q", s.N, s.Values["detailCode"], w)
		}
	}
	if a, b := sum.Steps[4].Values["eventInstanceId"], sum.Steps[7].Values["eventInstanceId"]; a == "" || a == b {
		t.Errorf("eventInstanceIds of the two orders: %q, %q", a, b)
	}
	if a, b := sum.Steps[4].Values["eventInstanceId"], sum.Steps[5].Values["eventInstanceId"]; a != b {
		t.Errorf("ORDER_INPROGRESS names %q, want the open order %q", b, a)
	}
	// The browser chooses the last product of the first slot, not the
	// preselected one; subscription info and the order show that choice.
	slot := drssim.DefaultConfig().Models[0].Slots[0]
	chosen := slot.Products[len(slot.Products)-1].ASIN
	wantContains(t, "productsChosen", sum.Steps[3].Values["productsChosen"], slot.ID+"="+chosen)
	wantContains(t, "subscription", sum.Steps[10].Values[slot.ID], "subscribed to "+chosen)
	wantContains(t, "order item", sum.Steps[11].Values["item"], " x "+chosen+", Processing")
	noSecret(t, r)
}

func TestDemoDebug(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.vars = map[string]string{}
	r := e.run("demo", "--debug")
	wantCode(t, r, 0)
	wantContains(t, "stderr", r.stderr, "level=DEBUG", "msg=request")
	noSecret(t, r)
}
