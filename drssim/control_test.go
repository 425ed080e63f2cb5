package drssim_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/amazondrs/drs/drssim"
)

// decode decodes a JSON body into v.
func decode(t *testing.T, r result, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
}

func TestControlDevicesAndOrders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	r := e.postJSON("/_emulator/devices", `{"client_id":"`+drssim.DefaultClientID+`","device_model":"CoffeeMaker01","serial":"SN-ctl","test_device":true,"products":{"coffee-beans":"B00DRSSIM2"}}`)
	wantStatus(t, r, http.StatusCreated)
	checkStamp(t, r)
	var link drssim.Link
	decode(t, r, &link)
	if !strings.HasPrefix(link.RefreshToken, "Atzr|") || !strings.HasPrefix(link.AccessToken, "Atza|") || link.ExpiresIn != 3600 {
		t.Errorf("link = %+v", link)
	}
	if _, m := e.replenish(link.AccessToken, "coffee-beans"); m["detailCode"] != "TEST_ORDER_PLACED" {
		t.Errorf("replenish = %v", m)
	}
	tokenOK(t, e.postForm("/auth/o2/token", refreshForm(link.RefreshToken)))

	// Non-live model with non_live; defaults for client and products.
	r = e.postJSON("/_emulator/devices", `{"device_model":"CoffeeMaker02-beta","serial":"SN-beta","non_live":true}`)
	wantStatus(t, r, http.StatusCreated)

	var devices []drssim.DeviceState
	decode(t, e.get("/_emulator/devices"), &devices)
	if len(devices) != 2 || devices[0].Serial != "SN-ctl" || !devices[0].Test || devices[0].Subscriptions["coffee-beans"].ASIN != "B00DRSSIM2" ||
		devices[0].OpenOrders["coffee-beans"] == "" || !devices[1].NonLive || devices[1].Subscriptions["coffee-pods"].ASIN != "B00DRSSIM5" {
		t.Errorf("devices = %+v", devices)
	}
	var orders []drssim.Order
	decode(t, e.get("/_emulator/orders"), &orders)
	if len(orders) != 1 || orders[0].ASIN != "B00DRSSIM2" || orders[0].Status != "Processing" || orders[0].Serial != "SN-ctl" {
		t.Errorf("orders = %+v", orders)
	}
	if !strings.Contains(string(e.get("/_emulator/orders").body), `"expectedDelivery":`) {
		t.Errorf("orders JSON is not camelCase")
	}

	for _, tt := range []struct{ body, want string }{
		{`{"serial":`, "invalid JSON"},
		{`{"serial":"S1","colour":"red"}`, `unknown field "colour"`},
		{`{"serial":7}`, `"serial"`},
		{`{"serial":"S1"} {}`, "after the top-level value"},
		{`{"serial":"bad serial"}`, "serial"},
		{`{}`, "serial"},
		{`{"serial":"S1","client_id":"nope"}`, "client_id"},
		{`{"serial":"S1","device_model":"Nope"}`, "device_model"},
		{`{"serial":"S1","device_model":"CoffeeMaker02-beta"}`, "not live"},
		{`{"serial":"S1","products":{"nope":"B00DRSSIM1"}}`, "nope"},
		{`{"serial":"S1","products":{"coffee-beans":"B00DRSSIM3"}}`, "B00DRSSIM3"},
	} {
		r := e.postJSON("/_emulator/devices", tt.body)
		wantMessage(t, r, http.StatusBadRequest, tt.want, "")
	}
}

func TestControlFaultsClockRequestsConfig(t *testing.T) {
	t.Parallel()
	start := time.Date(2020, 2, 3, 4, 5, 6, 0, time.UTC)
	e := newEnv(t, drssim.Config{}, drssim.WithClock(start))
	tok := e.link(drssim.LinkRequest{Serial: "SN-cp"}).AccessToken

	r := e.postJSON("/_emulator/faults", `{"endpoint":"replenish","status":503,"retry_after":"1","count":2}`)
	wantStatus(t, r, http.StatusCreated)
	var f drssim.Fault
	decode(t, r, &f)
	if f.Endpoint != "replenish" || f.Count != 2 || f.Status != 503 {
		t.Errorf("queued fault = %+v", f)
	}
	wantStatus(t, e.postJSON("/_emulator/faults", `{"endpoint":"token","html":true}`), http.StatusCreated)
	var faults []drssim.Fault
	decode(t, e.get("/_emulator/faults"), &faults)
	if len(faults) != 2 || faults[1].Status != 503 {
		t.Errorf("faults = %+v", faults)
	}
	if r, _ := e.tryReplenish(e.hc, tok, "coffee-beans"); r.status != 503 || r.header.Get("Retry-After") != "1" {
		t.Errorf("faulted replenish = %d %v", r.status, r.header)
	}
	decode(t, e.get("/_emulator/faults"), &faults)
	if len(faults) != 2 || faults[0].Count != 1 {
		t.Errorf("faults after one call = %+v", faults)
	}
	r = e.do(e.request("DELETE", "/_emulator/faults", nil))
	if r.status != 200 || string(r.body) != `{"cleared":2}` {
		t.Errorf("DELETE faults = %d %s", r.status, r.body)
	}
	for _, tt := range []struct{ body, want string }{
		{`{"endpoint":"nope","status":500}`, "unknown endpoint"},
		{`{"endpoint":"token","delay":"soon"}`, "delay"},
		{`{"endpoint":"token","delay":5}`, "delay"},
		{`{"endpoint":"token"}`, "no effect"},
		{`{"endpoint":"token","drop":"later"}`, "drop"},
		{`{"endpoint":"token","status":500,"extra":1}`, `unknown field "extra"`},
		{`[`, "invalid JSON"},
	} {
		wantMessage(t, e.postJSON("/_emulator/faults", tt.body), http.StatusBadRequest, tt.want, "")
	}

	var clock struct{ Now time.Time }
	decode(t, e.get("/_emulator/clock"), &clock)
	if d := clock.Now.Sub(start); d < 0 || d > time.Minute {
		t.Errorf("clock = %v, want about %v", clock.Now, start)
	}
	r = e.postJSON("/_emulator/clock", `{"advance":"61m"}`)
	decode(t, r, &clock)
	if d := clock.Now.Sub(start); d < 61*time.Minute || d > 62*time.Minute {
		t.Errorf("clock after advance = %v", clock.Now)
	}
	if d := r.header.Get("X-Amz-Date"); !strings.HasPrefix(d, "Mon, 03 Feb 2020 05:06:") {
		t.Errorf("X-Amz-Date = %q, want the emulator clock", d)
	}
	wantMessage(t, e.drs("GET", "/subscriptionInfo", tok, "subscription", ""), 400, "Invalid token", invalidTokenType)
	for body, want := range map[string]string{`{"advance":"-1h"}`: "advance", `{"advance":"later"}`: "advance", `{}`: "advance", `{"set":"x"}`: `"set"`} {
		wantMessage(t, e.postJSON("/_emulator/clock", body), http.StatusBadRequest, want, "")
	}

	var reqs struct{ Counts map[string]int }
	decode(t, e.get("/_emulator/requests"), &reqs)
	if counts := reqs.Counts; len(counts) != len(drssim.EndpointNames()) || counts["replenish"] != 1 || counts["subscriptionInfo"] != 1 || counts["token"] != 0 {
		t.Errorf("requests = %v", reqs.Counts)
	}

	var cfg drssim.Config
	decode(t, e.get("/_emulator/config"), &cfg)
	if len(cfg.Profiles) != 1 || cfg.Profiles[0].ClientID != drssim.DefaultClientID || len(cfg.Models) != 2 || cfg.CustomerName != "Test Customer" {
		t.Errorf("config = %+v", cfg)
	}
}
