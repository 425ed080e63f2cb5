package drs_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/amazondrs/drs"
)

const pfx = "com.amazon.dash.replenishment."

// TestEndpoints checks, for every DRS call, the method, path, every header,
// the body sent and the decoding of the answer.
func TestEndpoints(t *testing.T) {
	day := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name                 string
		call                 func(context.Context, *drs.Client) (any, error)
		method, path, rawURI string
		typeVer, accept      string
		reply                string
		wantBody             string
		want                 any
	}{
		{
			name: "Replenish",
			call: func(ctx context.Context, c *drs.Client) (any, error) {
				r, err := c.Replenish(ctx, "slot-1")
				return strip(r, err)
			},
			method: "POST", path: "/replenish/slot-1",
			typeVer: pfx + "DrsReplenishInput@1.0", accept: pfx + "DrsReplenishResult@1.0",
			reply: `{"eventInstanceId":"amzn1.dash.v2.o.abc","detailCode":"STANDARD_ORDER_PLACED","newField":1}`,
			want:  &drs.ReplenishResult{EventInstanceID: "amzn1.dash.v2.o.abc", DetailCode: drs.StandardOrderPlaced},
		},
		{
			name: "ReportSlotStatus",
			call: func(ctx context.Context, c *drs.Client) (any, error) {
				return nil, c.ReportSlotStatus(ctx, "slot-1", drs.SlotStatus{ExpectedReplenishmentDate: day, RemainingQuantityInUnit: 3.5,
					OriginalQuantityInUnit: 10, TotalQuantityOnHand: 20, LastUseDate: day.Add(-time.Hour)})
			},
			method: "POST", path: "/slotStatus/slot-1",
			typeVer: pfx + "DrsSlotStatusInput@1.0", accept: pfx + "DrsSlotStatusResult@1.0",
			wantBody: `{"expectedReplenishmentDate":"2026-11-25T10:00:00Z","remainingQuantityInUnit":3.5,"originalQuantityInUnit":10,"totalQuantityOnHand":20,"lastUseDate":"2026-11-25T09:00:00Z"}`,
		},
		{
			name: "ReportDeviceStatus",
			call: func(ctx context.Context, c *drs.Client) (any, error) {
				return nil, c.ReportDeviceStatus(ctx, drs.DeviceStatus{MostRecentlyActiveDate: day})
			},
			method: "POST", path: "/deviceStatus",
			typeVer: pfx + "DrsDeviceStatusInput@1.0", accept: pfx + "DrsDeviceStatusResult@1.0",
			wantBody: `{"mostRecentlyActiveDate":"2026-11-25T10:00:00Z"}`,
		},
		{
			name: "SubscriptionInfo v2",
			call: func(ctx context.Context, c *drs.Client) (any, error) {
				r, err := c.SubscriptionInfo(ctx)
				if r != nil {
					r.Response = nil
				}
				return r, err
			},
			method: "GET", path: "/subscriptionInfo",
			typeVer: pfx + "DrsSubscriptionInfoInput@1.0", accept: pfx + "DrsSubscriptionInfoResult@2.0",
			reply: `{"slotsSubscriptionStatus":{"slot1":{"productInfoList":[{"asin":"B01","quantity":2,"unit":"count"}],"subscribed":true},"slot2":{"productInfoList":[],"subscribed":false}}}`,
			want: &drs.SubscriptionInfo{Version: "2.0", Slots: map[string]drs.SlotSubscription{
				"slot1": {Subscribed: true, Products: []drs.ProductInfo{{ASIN: "B01", Quantity: 2, Unit: "count"}}},
				"slot2": {Subscribed: false, Products: []drs.ProductInfo{}},
			}},
		},
		{
			name: "SubscriptionInfo v1",
			call: func(ctx context.Context, c *drs.Client) (any, error) {
				r, err := c.SubscriptionInfoV1(ctx)
				if r != nil {
					r.Response = nil
				}
				return r, err
			},
			method: "GET", path: "/subscriptionInfo",
			typeVer: pfx + "DrsSubscriptionInfoInput@1.0", accept: pfx + "DrsSubscriptionInfoResult@1.0",
			reply: `{"slotsSubscriptionStatus":{"slot1":true,"slot2":false}}`,
			want:  &drs.SubscriptionInfo{Version: "1.0", Slots: map[string]drs.SlotSubscription{"slot1": {Subscribed: true}, "slot2": {}}},
		},
		{
			name:   "Deregister v2",
			call:   func(ctx context.Context, c *drs.Client) (any, error) { return nil, c.Deregister(ctx) },
			method: "DELETE", path: "/registration",
			typeVer: pfx + "DrsDeregisterInput@2.0", accept: pfx + "DrsDeregisterResult@1.0",
		},
		{
			name: "Deregister v1",
			call: func(ctx context.Context, c *drs.Client) (any, error) {
				return nil, c.DeregisterDevice(ctx, "Model-1", "SN+1")
			},
			method: "DELETE", path: "/deviceModels/Model-1/devices/SN+1/registration",
			typeVer: pfx + "DrsDeregisterInput@1.0", accept: pfx + "DrsDeregisterResult@1.0",
		},
		{
			name: "CancelTestOrder",
			call: func(ctx context.Context, c *drs.Client) (any, error) {
				r, err := c.CancelTestOrder(ctx, "slot-1")
				if r != nil {
					r.Response = nil
				}
				return r, err
			},
			method: "DELETE", path: "/testOrders/slots/slot-1",
			typeVer: pfx + "DrsCancelTestOrdersInput@1.0", accept: pfx + "DrsCancelTestOrdersResult@1.0",
			reply: `{"slotOrderStatuses":[{"orderStatus":"NO_ORDER_IN_PROGRESS","slotId":"slot-1"}]}`,
			want:  &drs.CancelTestOrdersResult{SlotOrderStatuses: []drs.SlotOrderStatus{{SlotID: "slot-1", OrderStatus: drs.NoOrderInProgress}}},
		},
		{
			name: "CancelAllTestOrders",
			call: func(ctx context.Context, c *drs.Client) (any, error) {
				r, err := c.CancelAllTestOrders(ctx)
				if r != nil {
					r.Response = nil
				}
				return r, err
			},
			method: "DELETE", path: "/testOrders",
			typeVer: pfx + "DrsCancelTestOrdersInput@1.0", accept: pfx + "DrsCancelTestOrdersResult@1.0",
			reply: `{"slotOrderStatuses":[{"orderStatus":"NO_ORDER_IN_PROGRESS","slotId":"a"},{"orderStatus":"NO_ORDER_IN_PROGRESS","slotId":"b"}]}`,
			want: &drs.CancelTestOrdersResult{SlotOrderStatuses: []drs.SlotOrderStatus{
				{SlotID: "a", OrderStatus: drs.NoOrderInProgress}, {SlotID: "b", OrderStatus: drs.NoOrderInProgress}}},
		},
		{
			name: "OrderInfo",
			call: func(ctx context.Context, c *drs.Client) (any, error) {
				r, err := c.OrderInfo(ctx, "amzn1.dash.v2.o.xxx")
				if r != nil {
					r.Response = nil
				}
				return r, err
			},
			method: "GET", path: "/getOrderInfo/amzn1.dash.v2.o.xxx",
			typeVer: pfx + "DrsOrderInfoInput@1.0", accept: pfx + "DrsOrderInfoResult@1.0",
			reply: `{"orderInfoData":{"instanceId":"amzn1.dash.v2.o.xxx","orderItems":[{"asin":"B0","expectedDeliveryDate":"2017-01-05T07:59:59.000Z","quantity":1,"slotId":"PaperTowel","status":"Processing"}]}}`,
			want: &drs.OrderInfo{InstanceID: "amzn1.dash.v2.o.xxx", Items: []drs.OrderItem{{ASIN: "B0",
				ExpectedDeliveryDate: time.Date(2017, 1, 5, 7, 59, 59, 0, time.UTC), Quantity: 1, SlotID: "PaperTowel", Status: "Processing"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			var got *http.Request
			var gotBody []byte
			f.handle("/", func(w http.ResponseWriter, r *http.Request) {
				got = r
				gotBody, _ = io.ReadAll(r.Body)
				w.Header().Set("X-Amzn-Type-Version", tt.accept)
				w.Header().Set("X-Amzn-Requestid", "req-42")
				if tt.reply != "" {
					w.Header().Set("Content-Type", "application/json")
					io.WriteString(w, tt.reply)
				}
			})
			c := f.client()
			res, err := tt.call(t.Context(), c)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil {
				t.Fatal("no request reached the server")
			}
			if got.Method != tt.method || got.URL.EscapedPath() != tt.path {
				t.Errorf("request = %s %s, want %s %s", got.Method, got.URL.EscapedPath(), tt.method, tt.path)
			}
			wantHdr := map[string]string{
				"Authorization":       "Bearer Atza|access-1",
				"X-Amzn-Type-Version": tt.typeVer,
				"X-Amzn-Accept-Type":  tt.accept,
				"Accept":              "application/json",
			}
			if tt.wantBody != "" {
				wantHdr["Content-Type"] = "application/json"
			}
			for k, v := range wantHdr {
				if g := got.Header.Get(k); g != v {
					t.Errorf("header %s = %q, want %q", k, g, v)
				}
			}
			if tt.wantBody == "" && len(gotBody) != 0 {
				t.Errorf("body = %q, want none", gotBody)
			}
			if tt.wantBody != "" && !jsonEqual(t, gotBody, tt.wantBody) {
				t.Errorf("body = %s, want %s", gotBody, tt.wantBody)
			}
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, res); diff != "" {
					t.Errorf("result mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func strip(r *drs.ReplenishResult, err error) (any, error) {
	if r != nil {
		if r.Response == nil || r.Response.RequestID != "req-42" || len(r.Response.Body) == 0 {
			return nil, &drs.Error{Code: -1, Message: "raw response not kept"}
		}
		r.Response = nil
	}
	return r, err
}

func jsonEqual(t *testing.T, a []byte, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("body %q is not JSON: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatal(err)
	}
	return cmp.Equal(x, y)
}

// TestPathEscaping checks that awkward slot IDs reach the server as one
// escaped path segment, and that impossible ones are refused before sending.
func TestPathEscaping(t *testing.T) {
	f := newFake(t)
	var seen []string
	f.handle("/", func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.URL.EscapedPath())
		jsonReply(200, `{"eventInstanceId":"e","detailCode":"ORDER_INPROGRESS"}`)(w, r)
	})
	c := f.client()
	cases := map[string]string{
		"a/b":       "/replenish/a%2Fb",
		"..":        "/replenish/%2E%2E",
		".":         "/replenish/%2E",
		"what?x=1":  "/replenish/what%3Fx=1",
		"frag#1":    "/replenish/frag%231",
		"100%":      "/replenish/100%25",
		"two words": "/replenish/two%20words",
	}
	for id, want := range cases {
		seen = nil
		if _, err := c.Replenish(t.Context(), id); err != nil {
			t.Fatalf("Replenish(%q): %v", id, err)
		}
		if len(seen) != 1 || seen[0] != want {
			t.Errorf("Replenish(%q) reached the server as %q, want %q", id, seen, want)
		}
	}
	for _, bad := range []string{"", string(make([]byte, 256))} {
		_, err := c.Replenish(t.Context(), bad)
		e := wantCode(t, err, drs.CodeGeneral)
		if e.Message == "" {
			t.Errorf("no message for bad slot ID")
		}
	}
}
