package drssim_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/amazondrs/drs/drssim"
)

func TestSlotStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	tok := e.link(drssim.LinkRequest{Serial: "SN-slot"}).AccessToken
	r := e.drs("POST", "/slotStatus/water-filter", tok, "slotStatus", slotBody)
	wantStatus(t, r, 200)
	if len(r.body) != 0 {
		t.Errorf("body = %q, want none", r.body)
	}
	d, _ := e.s.Device(drssim.DefaultClientID, drssim.DefaultModel, "SN-slot")
	got := d.SlotStatuses["water-filter"]
	want := drssim.SlotStatus{
		ExpectedReplenishmentDate: time.Date(2015, 12, 28, 10, 0, 0, 0, time.UTC),
		RemainingQuantityInUnit:   3.5, OriginalQuantityInUnit: 10, TotalQuantityOnHand: 20,
		LastUseDate: time.Date(2015, 12, 21, 10, 0, 0, 0, time.UTC),
	}
	if !got.ExpectedReplenishmentDate.Equal(want.ExpectedReplenishmentDate) || !got.LastUseDate.Equal(want.LastUseDate) ||
		got.RemainingQuantityInUnit != 3.5 || got.OriginalQuantityInUnit != 10 || got.TotalQuantityOnHand != 20 || got.Reported.IsZero() {
		t.Errorf("stored slot status = %+v, want %+v", got, want)
	}

	replace := func(field, value string) string {
		i := strings.Index(slotBody, `"`+field+`":`)
		j := i + len(field) + 3
		k := j + strings.IndexAny(slotBody[j:], ",}")
		if value == "" && slotBody[k] == '}' { // drop the last field
			return strings.TrimSuffix(slotBody[:i], ",") + "}"
		}
		if value == "" { // drop the field and its comma
			return slotBody[:i] + slotBody[k+1:]
		}
		return slotBody[:j] + value + slotBody[k:]
	}
	tests := []struct{ name, body, want string }{
		{"not JSON", "expectedReplenishmentDate=x", "JSON object"},
		{"array", "[]", "JSON object"},
		{"missing expectedReplenishmentDate", replace("expectedReplenishmentDate", ""), "expectedReplenishmentDate"},
		{"missing remainingQuantityInUnit", replace("remainingQuantityInUnit", ""), "remainingQuantityInUnit"},
		{"missing originalQuantityInUnit", replace("originalQuantityInUnit", ""), "originalQuantityInUnit"},
		{"missing totalQuantityOnHand", replace("totalQuantityOnHand", ""), "totalQuantityOnHand"},
		{"missing lastUseDate", replace("lastUseDate", ""), "lastUseDate"},
		{"null lastUseDate", replace("lastUseDate", "null"), "lastUseDate"},
		{"bad date", replace("expectedReplenishmentDate", `"28/12/2015"`), "expectedReplenishmentDate"},
		{"date not a string", replace("lastUseDate", `12`), "lastUseDate"},
		{"remaining as string", replace("remainingQuantityInUnit", `"3"`), "remainingQuantityInUnit"},
		{"negative remaining", replace("remainingQuantityInUnit", `-1`), "remainingQuantityInUnit"},
		{"fractional original", replace("originalQuantityInUnit", `1.5`), "originalQuantityInUnit"},
		{"negative on hand", replace("totalQuantityOnHand", `-2`), "totalQuantityOnHand"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantMessage(t, e.drs("POST", "/slotStatus/water-filter", tok, "slotStatus", tt.body), 400, tt.want, validationType)
		})
	}
	wantMessage(t, e.drs("POST", "/slotStatus/nope", tok, "slotStatus", slotBody), 400, "nope", validationType)
	// A bad token wins over a bad body.
	wantMessage(t, e.drs("POST", "/slotStatus/water-filter", "Atza|x", "slotStatus", "{"), 400, "Invalid token", invalidTokenType)
	// Bodies are capped.
	big := `{"pad":"` + strings.Repeat("x", 70<<10) + `"}`
	wantMessage(t, e.drs("POST", "/slotStatus/water-filter", tok, "slotStatus", big), 413, "exceeds", validationType)
}

func TestDeviceStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	tok := e.link(drssim.LinkRequest{Serial: "SN-dev"}).AccessToken
	wantStatus(t, e.drs("POST", "/deviceStatus", tok, "deviceStatus", `{"mostRecentlyActiveDate":"2015-12-21T10:00:00.123+01:00","extra":1}`), 200)
	d, _ := e.s.Device(drssim.DefaultClientID, drssim.DefaultModel, "SN-dev")
	if d.DeviceStatus == nil || !d.DeviceStatus.MostRecentlyActiveDate.Equal(time.Date(2015, 12, 21, 9, 0, 0, 123e6, time.UTC)) {
		t.Errorf("device status = %+v", d.DeviceStatus)
	}
	for _, body := range []string{`{}`, `{"mostRecentlyActiveDate":"yesterday"}`, `{"mostRecentlyActiveDate":null}`, `mostRecentlyActiveDate=2015-12-21T10:00:00Z`} {
		wantMessage(t, e.drs("POST", "/deviceStatus", tok, "deviceStatus", body), 400, "", validationType)
	}
	wantMessage(t, e.drs("POST", "/deviceStatus", tok, "deviceStatus", `{}`), 400, "mostRecentlyActiveDate", validationType)
}

func TestSubscriptionInfo(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	code := e.login(authParams("SN-sub", false), map[string]string{"coffee-beans": "B00DRSSIM2", "water-filter": "B00DRSSIM4"})
	tok := tokenOK(t, e.postForm("/auth/o2/token", codeForm(code))).AccessToken

	r := e.drs("GET", "/subscriptionInfo", tok, "subscription", "")
	if want := `{"slotsSubscriptionStatus":{"coffee-beans":true,"water-filter":true}}`; string(r.body) != want {
		t.Errorf("v1 = %s, want %s", r.body, want)
	}
	r = e.drs("GET", "/subscriptionInfo", tok, "subscription2", "")
	want := `{"slotsSubscriptionStatus":{` +
		`"coffee-beans":{"productInfoList":[{"asin":"B00DRSSIM2","quantity":32,"unit":"ounce"}],"subscribed":true},` +
		`"water-filter":{"productInfoList":[{"asin":"B00DRSSIM4","quantity":6,"unit":"count"}],"subscribed":true}}}`
	if string(r.body) != want {
		t.Errorf("v2 = %s, want %s", r.body, want)
	}
	if got := r.header.Get("X-Amzn-Type-Version"); got != typePrefix+"DrsSubscriptionInfoResult@2.0" {
		t.Errorf("x-amzn-type-version = %q", got)
	}
}

func TestOrderInfo(t *testing.T) {
	t.Parallel()
	start := time.Date(2017, 1, 3, 7, 59, 59, 0, time.UTC)
	e := newEnv(t, drssim.Config{}, drssim.WithClock(start))
	tok := e.link(drssim.LinkRequest{Serial: "SN-info", TestDevice: true}).AccessToken
	other := e.link(drssim.LinkRequest{Serial: "SN-other", TestDevice: true}).AccessToken
	_, placed := e.replenish(tok, "water-filter")
	id := placed["eventInstanceId"].(string)

	r := e.drs("GET", "/getOrderInfo/"+url.PathEscape(id), tok, "orderInfo", "")
	wantStatus(t, r, 200)
	body := string(r.body)
	want := `{"orderInfoData":{"instanceId":"` + id + `","orderItems":[{"asin":"B00DRSSIM3","expectedDeliveryDate":"2017-01-05T07:59:59.`
	if !strings.HasPrefix(body, want) || !strings.HasSuffix(body, `Z","quantity":1,"slotId":"water-filter","status":"Processing"}]}}`) {
		t.Errorf("order info = %s", body)
	}
	wantMessage(t, e.drs("GET", "/getOrderInfo/amzn1.dash.v2.o.nope", tok, "orderInfo", ""), 400, "amzn1.dash.v2.o.nope", validationType)
	wantMessage(t, e.drs("GET", "/getOrderInfo/"+id, other, "orderInfo", ""), 400, id, validationType)

	e.drs("DELETE", "/testOrders", tok, "cancel", "")
	r = e.drs("GET", "/getOrderInfo/"+id, tok, "orderInfo", "")
	if !strings.Contains(string(r.body), `"status":"Canceled"`) {
		t.Errorf("cancelled order info = %s", r.body)
	}
}

func TestDeregistration(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	for _, tt := range []struct{ name, method, path, op string }{
		{"v2", "DELETE", "/registration", "deregister"},
		{"v1", "DELETE", "/deviceModels/CoffeeMaker01/devices/SN-v1/registration", "deregisterV1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			serial := "SN-" + tt.name
			code := e.login(authParams(serial, true), nil)
			tb := tokenOK(t, e.postForm("/auth/o2/token", codeForm(code)))
			pending := e.login(authParams(serial, true), nil) // a code not yet redeemed
			link := e.link(drssim.LinkRequest{Serial: serial, TestDevice: true})

			if tt.name == "v1" {
				wrong := e.drs(tt.method, "/deviceModels/CoffeeMaker01/devices/SN-other/registration", tb.AccessToken, tt.op, "")
				wantMessage(t, wrong, 400, "does not match", validationType)
			}
			r := e.drs(tt.method, tt.path, tb.AccessToken, tt.op, "")
			wantStatus(t, r, 200)
			if got := r.header.Get("X-Amzn-Type-Version"); got != typePrefix+"DrsDeregisterResult@1.0" || len(r.body) != 0 {
				t.Errorf("deregister: type %q, body %q", got, r.body)
			}
			for _, at := range []string{tb.AccessToken, link.AccessToken} {
				wantMessage(t, e.drs("GET", "/subscriptionInfo", at, "subscription", ""), 400, "Invalid token", invalidTokenType)
			}
			for _, rt := range []string{tb.RefreshToken, link.RefreshToken} {
				r := e.postForm("/auth/o2/token", refreshForm(rt))
				lwaErr(t, r, 400, "invalid_grant", "The request has an invalid grant parameter : refresh_token")
				if r.header.Get("X-Amzn-Errortype") != oa2Type {
					t.Errorf("X-Amzn-Errortype = %q", r.header.Get("X-Amzn-Errortype"))
				}
			}
			lwaErr(t, e.postForm("/auth/o2/token", codeForm(pending)), 400, "invalid_grant", "The request has an invalid grant parameter : code")
			d, _ := e.s.Device(drssim.DefaultClientID, drssim.DefaultModel, serial)
			if d.Registered || len(d.Subscriptions) != 0 {
				t.Errorf("device after deregistration = %+v", d)
			}
			// The device can be linked again.
			again := e.link(drssim.LinkRequest{Serial: serial})
			wantStatus(t, e.drs("GET", "/subscriptionInfo", again.AccessToken, "subscription", ""), http.StatusOK)
		})
	}
}

// TestDeregistrationKeepsOpenOrders checks the documented choice: an open
// order survives deregistration and blocks its slot once the device is
// linked again, until it is cancelled.
func TestDeregistrationKeepsOpenOrders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	tok := e.link(drssim.LinkRequest{Serial: "SN-keep", TestDevice: true}).AccessToken
	_, placed := e.replenish(tok, "coffee-beans")
	id, _ := placed["eventInstanceId"].(string)
	wantStatus(t, e.drs("DELETE", "/registration", tok, "deregister", ""), http.StatusOK)
	if d, _ := e.s.Device(drssim.DefaultClientID, drssim.DefaultModel, "SN-keep"); d.OpenOrders["coffee-beans"] != id {
		t.Errorf("open orders after deregistration = %v, want coffee-beans: %s", d.OpenOrders, id)
	}
	tok = e.link(drssim.LinkRequest{Serial: "SN-keep", TestDevice: true}).AccessToken
	if _, again := e.replenish(tok, "coffee-beans"); again["detailCode"] != "ORDER_INPROGRESS" || again["eventInstanceId"] != id {
		t.Errorf("replenish after linking again = %v, want ORDER_INPROGRESS of %s", again, id)
	}
	e.drs("DELETE", "/testOrders/slots/coffee-beans", tok, "cancel", "")
	if _, next := e.replenish(tok, "coffee-beans"); next["detailCode"] != "TEST_ORDER_PLACED" || next["eventInstanceId"] == id {
		t.Errorf("replenish after cancel = %v, want a new TEST_ORDER_PLACED", next)
	}
}

// TestStatusISODates checks that SlotStatus and DeviceStatus take the ISO
// 8601 dates Amazon's clients send (docs/wire.md, "SlotStatus"): calendar dates,
// fractional seconds and ±hhmm offsets, and that a refusal names ISO 8601
// dates as what is wanted.
func TestStatusISODates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	tok := e.link(drssim.LinkRequest{Serial: "SN-iso"}).AccessToken
	body := `{"expectedReplenishmentDate":"2017-04-01","remainingQuantityInUnit":1,"originalQuantityInUnit":2,"totalQuantityOnHand":3,"lastUseDate":"2017-03-20T08:30:00.5+0000"}`
	wantStatus(t, e.drs("POST", "/slotStatus/water-filter", tok, "slotStatus", body), 200)
	d, _ := e.s.Device(drssim.DefaultClientID, drssim.DefaultModel, "SN-iso")
	got := d.SlotStatuses["water-filter"]
	if !got.ExpectedReplenishmentDate.Equal(time.Date(2017, 4, 1, 0, 0, 0, 0, time.UTC)) || !got.LastUseDate.Equal(time.Date(2017, 3, 20, 8, 30, 0, 5e8, time.UTC)) {
		t.Errorf("stored dates %v, %v", got.ExpectedReplenishmentDate, got.LastUseDate)
	}
	for in, want := range map[string]time.Time{
		"2017-04-01":                   time.Date(2017, 4, 1, 0, 0, 0, 0, time.UTC), // Amazon's Android sample
		"2017-04-01T12:00:00.123-0200": time.Date(2017, 4, 1, 14, 0, 0, 123e6, time.UTC),
	} {
		wantStatus(t, e.drs("POST", "/deviceStatus", tok, "deviceStatus", `{"mostRecentlyActiveDate":"`+in+`"}`), 200)
		d, _ = e.s.Device(drssim.DefaultClientID, drssim.DefaultModel, "SN-iso")
		if !d.DeviceStatus.MostRecentlyActiveDate.Equal(want) {
			t.Errorf("mostRecentlyActiveDate %q stored as %v, want %v", in, d.DeviceStatus.MostRecentlyActiveDate, want)
		}
	}
	long := strings.Repeat("x", 500)
	r := e.drs("POST", "/deviceStatus", tok, "deviceStatus", `{"mostRecentlyActiveDate":"`+long+`"}`)
	wantMessage(t, r, 400, "mostRecentlyActiveDate must be an ISO 8601 date (2017-04-01) or date-time with an offset", validationType)
	if strings.Contains(string(r.body), long[:100]) {
		t.Errorf("message %s echoes the whole value", r.body)
	}
	wantMessage(t, e.drs("POST", "/deviceStatus", tok, "deviceStatus", `{"mostRecentlyActiveDate":"2017-04-01T12:00:00"}`), 400, `got "2017-04-01T12:00:00"`, validationType)
}
