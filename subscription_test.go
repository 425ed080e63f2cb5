package drs_test

import (
	"context"
	"testing"

	"github.com/amazondrs/drs"
)

// TestSubscriptionInfoWire checks SubscriptionInfo, versions 2 and 1, on the wire (see testWire).
func TestSubscriptionInfoWire(t *testing.T) {
	testWire(t, []wireCase{
		{
			name:   "SubscriptionInfo v2",
			call:   func(ctx context.Context, c *drs.Client) (any, error) { return result(c.SubscriptionInfo(ctx)) },
			method: "GET", path: "/subscriptionInfo",
			typeVer: pfx + "DrsSubscriptionInfoInput@1.0", accept: pfx + "DrsSubscriptionInfoResult@2.0",
			reply: `{"slotsSubscriptionStatus":{"slot1":{"productInfoList":[{"asin":"B01","quantity":2,"unit":"count"}],"subscribed":true},"slot2":{"productInfoList":[],"subscribed":false}}}`,
			want: &drs.SubscriptionInfo{Version: "2.0", Slots: map[string]drs.SlotSubscription{
				"slot1": {Subscribed: true, Products: []drs.ProductInfo{{ASIN: "B01", Quantity: 2, Unit: "count"}}},
				"slot2": {Subscribed: false, Products: []drs.ProductInfo{}},
			}},
		},
		{
			name:   "SubscriptionInfo v1",
			call:   func(ctx context.Context, c *drs.Client) (any, error) { return result(c.SubscriptionInfoV1(ctx)) },
			method: "GET", path: "/subscriptionInfo",
			typeVer: pfx + "DrsSubscriptionInfoInput@1.0", accept: pfx + "DrsSubscriptionInfoResult@1.0",
			reply: `{"slotsSubscriptionStatus":{"slot1":true,"slot2":false}}`,
			want:  &drs.SubscriptionInfo{Version: "1.0", Slots: map[string]drs.SlotSubscription{"slot1": {Subscribed: true}, "slot2": {}}},
		},
	})
}
