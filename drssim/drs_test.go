package drssim_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/amazondrs/drs/drssim"
)

const (
	invalidTokenType = "InvalidTokenException:http://internal.amazon.com/coral/com.amazon.parkeraccioservice/"
	validationType   = "ValidationException:"
	slotBody         = `{"expectedReplenishmentDate":"2015-12-28T10:00:00Z","remainingQuantityInUnit":3.5,"originalQuantityInUnit":10,"totalQuantityOnHand":20,"lastUseDate":"2015-12-21T10:00:00Z"}`
	deviceBody       = `{"mostRecentlyActiveDate":"2015-12-21T10:00:00Z"}`
)

// orderIDRe matches Amazon's eventInstanceId shape: the prefix and 100
// base64 characters (docs/wire.md, "Replenish").
var orderIDRe = regexp.MustCompile(`^amzn1\.dash\.v2\.o\.[A-Za-z0-9]{100}$`)

// drsRaw sends a DRS call with explicit version headers ("" leaves one out).
func (e *env) drsRaw(method, path, token, typeVersion, accept, body string) result {
	e.t.Helper()
	req := e.request(method, path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if typeVersion != "" {
		req.Header.Set("x-amzn-type-version", typeVersion)
	}
	if accept != "" {
		req.Header.Set("x-amzn-accept-type", accept)
	}
	return e.do(req)
}

func TestDRSHeaderChecks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	tok := e.link(drssim.LinkRequest{Serial: "SN-hdr", TestDevice: true}).AccessToken
	_, placed := e.replenish(tok, "water-filter")
	orderID := placed["eventInstanceId"].(string)
	type endpoint struct {
		method, path, op, body string
	}
	endpoints := []endpoint{
		{"POST", "/replenish/coffee-beans", "replenish", ""},
		{"POST", "/slotStatus/coffee-beans", "slotStatus", slotBody},
		{"POST", "/deviceStatus", "deviceStatus", deviceBody},
		{"GET", "/subscriptionInfo", "subscription", ""},
		{"GET", "/subscriptionInfo", "subscription2", ""},
		{"DELETE", "/testOrders/slots/coffee-beans", "cancel", ""},
		{"DELETE", "/testOrders/coffee-beans", "cancel", ""},
		{"DELETE", "/testOrders", "cancel", ""},
		{"GET", "/getOrderInfo/" + orderID, "orderInfo", ""},
		{"DELETE", "/registration", "deregister", ""},
		{"DELETE", "/deviceModels/CoffeeMaker01/devices/SN-hdr/registration", "deregisterV1", ""},
	}
	for _, ep := range endpoints {
		t.Run(ep.op+" "+ep.path, func(t *testing.T) {
			v := versionHeaders[ep.op]
			in, out := typePrefix+v[0], typePrefix+v[1]
			for name, r := range map[string]result{
				"no token":        e.drsRaw(ep.method, ep.path, "", in, out, ep.body),
				"unknown token":   e.drsRaw(ep.method, ep.path, "Atza|unknown", in, out, ep.body),
				"no headers also": e.drsRaw(ep.method, ep.path, "Atza|unknown", "", "", ep.body),
			} {
				t.Run(name, func(t *testing.T) { wantMessage(t, r, 400, "Invalid token", invalidTokenType) })
			}
			wantMessage(t, e.drsRaw(ep.method, ep.path, tok, "", out, ep.body), 400, "x-amzn-type-version", validationType)
			wantMessage(t, e.drsRaw(ep.method, ep.path, tok, typePrefix+"DrsReplenishInput@9.9", out, ep.body), 400, "x-amzn-type-version", validationType)
			wantMessage(t, e.drsRaw(ep.method, ep.path, tok, in, "", ep.body), 400, "x-amzn-accept-type", validationType)
			wantMessage(t, e.drsRaw(ep.method, ep.path, tok, in, typePrefix+"DrsReplenishResult@9.9", ep.body), 400, "x-amzn-accept-type", validationType)
			if strings.Contains(ep.op, "deregister") {
				return // the happy path is TestDeregistration's
			}
			r := e.drsRaw(ep.method, ep.path, tok, in, out, ep.body)
			wantStatus(t, r, 200)
			checkStamp(t, r)
			if got := r.header.Get("X-Amzn-Type-Version"); got != out {
				t.Errorf("x-amzn-type-version = %q, want the result type %q", got, out)
			}
			if len(r.body) > 0 && r.header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type = %q", r.header.Get("Content-Type"))
			}
		})
	}
}

func TestReplenishTestOrderFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	tok := e.link(drssim.LinkRequest{Serial: "SN-flow", TestDevice: true}).AccessToken

	_, first := e.replenish(tok, "coffee-beans")
	id1, _ := first["eventInstanceId"].(string)
	if first["detailCode"] != "TEST_ORDER_PLACED" || !orderIDRe.MatchString(id1) {
		t.Fatalf("first replenish = %v", first)
	}
	_, again := e.replenish(tok, "coffee-beans")
	if again["detailCode"] != "ORDER_INPROGRESS" || again["eventInstanceId"] != id1 {
		t.Fatalf("second replenish = %v, want ORDER_INPROGRESS for %s", again, id1)
	}
	_, other := e.replenish(tok, "water-filter")
	if other["detailCode"] != "TEST_ORDER_PLACED" {
		t.Fatalf("other slot = %v, want its own TEST_ORDER_PLACED", other)
	}

	r := e.drs("DELETE", "/testOrders/slots/coffee-beans", tok, "cancel", "")
	wantStatus(t, r, 200)
	if got, want := string(r.body), `{"slotOrderStatuses":[{"orderStatus":"NO_ORDER_IN_PROGRESS","slotId":"coffee-beans"}]}`; got != want {
		t.Errorf("cancel body = %s, want %s", got, want)
	}
	_, third := e.replenish(tok, "coffee-beans")
	id3, _ := third["eventInstanceId"].(string)
	if third["detailCode"] != "TEST_ORDER_PLACED" || id3 == id1 {
		t.Fatalf("replenish after cancel = %v", third)
	}

	orders := e.s.Orders()
	if len(orders) != 3 {
		t.Fatalf("Orders() = %d orders, want 3: %+v", len(orders), orders)
	}
	o := orders[0]
	if o.ID != id1 || o.Status != drssim.OrderCancelled || !o.Test || o.ASIN != "B00DRSSIM1" || o.Quantity != 12 || o.Unit != "ounce" ||
		o.Serial != "SN-flow" || o.DeviceModel != drssim.DefaultModel || o.ClientID != drssim.DefaultClientID || o.SlotID != "coffee-beans" {
		t.Errorf("first order = %+v", o)
	}
	if d := o.ExpectedDelivery.Sub(o.Placed); d != 48*3600e9 {
		t.Errorf("expected delivery %v after placement, want 48h", d)
	}
	if orders[2].ID != id3 || orders[2].Status != drssim.OrderProcessing {
		t.Errorf("third order = %+v", orders[2])
	}

	// Cancel all: both open test orders go, every slot is reported in slot order.
	r = e.drs("DELETE", "/testOrders", tok, "cancel", "")
	want := `{"slotOrderStatuses":[{"orderStatus":"NO_ORDER_IN_PROGRESS","slotId":"coffee-beans"},{"orderStatus":"NO_ORDER_IN_PROGRESS","slotId":"water-filter"}]}`
	if r.status != 200 || string(r.body) != want {
		t.Errorf("cancel all = %d %s, want %s", r.status, r.body, want)
	}
	for _, o := range e.s.Orders() {
		if o.Status != drssim.OrderCancelled {
			t.Errorf("order %s of %s is %s after cancel all", o.ID, o.SlotID, o.Status)
		}
	}
	// The legacy path works too.
	e.replenish(tok, "water-filter")
	r = e.drs("DELETE", "/testOrders/water-filter", tok, "cancel", "")
	if !strings.Contains(string(r.body), `"NO_ORDER_IN_PROGRESS","slotId":"water-filter"`) {
		t.Errorf("legacy cancel = %s", r.body)
	}
	wantMessage(t, e.drs("DELETE", "/testOrders/slots/nope", tok, "cancel", ""), 400, "nope", validationType)
}

func TestReplenishRealOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	tok := e.link(drssim.LinkRequest{Serial: "SN-real"}).AccessToken
	_, first := e.replenish(tok, "coffee-beans")
	if first["detailCode"] != "STANDARD_ORDER_PLACED" {
		t.Fatalf("replenish = %v", first)
	}
	r := e.drs("DELETE", "/testOrders/slots/coffee-beans", tok, "cancel", "")
	if want := `{"slotOrderStatuses":[{"orderStatus":"ORDER_INPROGRESS","slotId":"coffee-beans"}]}`; string(r.body) != want {
		t.Errorf("cancel of a real order = %s, want %s", r.body, want)
	}
	r = e.drs("DELETE", "/testOrders", tok, "cancel", "")
	if want := `{"slotOrderStatuses":[{"orderStatus":"ORDER_INPROGRESS","slotId":"coffee-beans"},{"orderStatus":"NO_ORDER_IN_PROGRESS","slotId":"water-filter"}]}`; string(r.body) != want {
		t.Errorf("cancel all = %s, want %s", r.body, want)
	}
	if _, again := e.replenish(tok, "coffee-beans"); again["detailCode"] != "ORDER_INPROGRESS" {
		t.Errorf("replenish after cancel = %v, want ORDER_INPROGRESS", again)
	}
	if o := e.s.Orders()[0]; o.Status != drssim.OrderProcessing || o.Test {
		t.Errorf("real order = %+v", o)
	}
	// Two days later the order is delivered and the slot unblocked.
	e.s.Advance(49 * 3600e9)
	tok = e.link(drssim.LinkRequest{Serial: "SN-real"}).AccessToken
	r = e.drs("GET", "/getOrderInfo/"+first["eventInstanceId"].(string), tok, "orderInfo", "")
	if !strings.Contains(string(r.body), `"status":"Closed"`) {
		t.Errorf("order info after delivery = %s", r.body)
	}
	if _, next := e.replenish(tok, "coffee-beans"); next["detailCode"] != "STANDARD_ORDER_PLACED" {
		t.Errorf("replenish after delivery = %v", next)
	}
}

func TestReplenishUnknownSlot(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	tok := e.link(drssim.LinkRequest{Serial: "SN-404"}).AccessToken
	r := e.drs("POST", "/replenish/no-such-slot", tok, "replenish", "")
	wantMessage(t, r, 404, "no-such-slot", "ResourceNotFoundException:")
	if len(e.s.Orders()) != 0 {
		t.Errorf("an order was placed")
	}
}

func TestEscapedSlotIDs(t *testing.T) {
	t.Parallel()
	cfg := drssim.DefaultConfig()
	cfg.Models = []drssim.DeviceModel{{ID: "Odd", Live: true, Slots: []drssim.Slot{
		{ID: "a/b c", Products: []drssim.Product{{ASIN: "B0ODD00001", Quantity: 1, Unit: "count"}, {ASIN: "B0ODD00002", Quantity: 2, Unit: "count"}}},
		{ID: "tea & 100%", Products: []drssim.Product{{ASIN: "B0ODD00003", Quantity: 1, Unit: "count"}}},
	}}}
	e := newEnv(t, cfg)
	// Link through the consent page, choosing the second product of "a/b c".
	q := authParams("SN-odd", true)
	q.Set("scope_data", `{"dash:replenish":{"device_model":"Odd","serial":"SN-odd","is_test_device":true}}`)
	code := e.login(q, map[string]string{"a/b c": "B0ODD00002"})
	tok := tokenOK(t, e.postForm("/auth/o2/token", codeForm(code))).AccessToken

	const slash, pct = "/a%2Fb%20c", "/tea%20&%20100%25"
	r := e.drs("POST", "/replenish"+slash, tok, "replenish", "")
	wantStatus(t, r, 200)
	if o := e.s.Orders()[0]; o.SlotID != "a/b c" || o.ASIN != "B0ODD00002" {
		t.Errorf("order = %+v, want slot %q with the chosen ASIN", o, "a/b c")
	}
	if _, m := e.replenish(tok, "tea & 100%"); m["detailCode"] != "TEST_ORDER_PLACED" {
		t.Errorf("replenish %q = %v", "tea & 100%", m)
	}
	wantStatus(t, e.drs("POST", "/slotStatus"+slash, tok, "slotStatus", slotBody), 200)
	wantStatus(t, e.drs("POST", "/slotStatus"+pct, tok, "slotStatus", slotBody), 200)
	d, _ := e.s.Device(drssim.DefaultClientID, "Odd", "SN-odd")
	if _, ok := d.SlotStatuses["a/b c"]; !ok || len(d.SlotStatuses) != 2 {
		t.Errorf("slot statuses = %v", d.SlotStatuses)
	}
	r = e.drs("DELETE", "/testOrders/slots"+slash, tok, "cancel", "")
	if want := `{"slotOrderStatuses":[{"orderStatus":"NO_ORDER_IN_PROGRESS","slotId":"a/b c"}]}`; string(r.body) != want {
		t.Errorf("cancel = %s, want %s", r.body, want)
	}
	r = e.drs("DELETE", "/testOrders"+pct, tok, "cancel", "") // legacy path
	if !strings.Contains(string(r.body), `"slotId":"tea & 100%"`) {
		t.Errorf("legacy cancel = %s", r.body)
	}
	r = e.drs("GET", "/subscriptionInfo", tok, "subscription2", "")
	if !strings.Contains(string(r.body), `"a/b c":{"productInfoList":[{"asin":"B0ODD00002","quantity":2,"unit":"count"}],"subscribed":true}`) {
		t.Errorf("subscription info = %s", r.body)
	}
	// An unescaped slash is a different path.
	wantStatus(t, e.drs("POST", "/replenish/a/b%20c", tok, "replenish", ""), 404)
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	wantMessage(t, e.get("/nope"), 404, "/nope", "")
	wantMessage(t, e.get("/replenish/coffee-beans"), 405, "GET", "")
	wantMessage(t, e.postJSON("/subscriptionInfo", "{}"), 405, "POST", "")
	// The router's own answers, such as its redirect to a cleaned path, carry
	// X-Amzn-Requestid and X-Amz-Date too.
	for _, path := range []string{"/_emulator/../nope", "//replenish/coffee-beans"} {
		r := e.get(path)
		if r.status/100 != 3 {
			t.Errorf("GET %s: status %d, want a redirect", path, r.status)
		}
		checkStamp(t, r)
	}
}
