package drs_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/amazondrs/drs"
)

// TestOrderInfoWire checks OrderInfo on the wire (see testWire).
func TestOrderInfoWire(t *testing.T) {
	testWire(t, []wireCase{
		{
			name: "OrderInfo",
			call: func(ctx context.Context, c *drs.Client) (any, error) {
				return result(c.OrderInfo(ctx, "amzn1.dash.v2.o.xxx"))
			},
			method: "GET", path: "/getOrderInfo/amzn1.dash.v2.o.xxx",
			typeVer: pfx + "DrsOrderInfoInput@1.0", accept: pfx + "DrsOrderInfoResult@1.0",
			reply: `{"orderInfoData":{"instanceId":"amzn1.dash.v2.o.xxx","orderItems":[{"asin":"B0","expectedDeliveryDate":"2017-01-05T07:59:59.000Z","quantity":1,"slotId":"PaperTowel","status":"Processing"}]}}`,
			want: &drs.OrderInfo{InstanceID: "amzn1.dash.v2.o.xxx", Items: []drs.OrderItem{{ASIN: "B0",
				ExpectedDeliveryDate: time.Date(2017, 1, 5, 7, 59, 59, 0, time.UTC), Quantity: 1, SlotID: "PaperTowel", Status: "Processing"}}},
		},
	})
}

// TestOrderInfoDeliveryDate: an expectedDeliveryDate that is null, empty or
// not RFC 3339 decodes as the zero time and the rest of the order is kept;
// a proper one is parsed.
func TestOrderInfoDeliveryDate(t *testing.T) {
	want := time.Date(2017, 1, 5, 7, 59, 59, 0, time.UTC)
	for _, tc := range []struct {
		date string
		want time.Time
	}{
		{`"2017-01-05T07:59:59.000Z"`, want},
		{`"2017-01-05T08:59:59+01:00"`, want},
		{`null`, time.Time{}},
		{`""`, time.Time{}},
		{`"2017-01-05"`, time.Time{}},
		{`"soon"`, time.Time{}},
	} {
		t.Run(tc.date, func(t *testing.T) {
			f := newFake(t)
			f.handle("/getOrderInfo/", jsonReply(200, `{"orderInfoData":{"instanceId":"amzn1.dash.v2.o.x","orderItems":[`+
				`{"asin":"B0","expectedDeliveryDate":`+tc.date+`,"quantity":2,"slotId":"s1","status":"Pending"}]}}`))
			res, err := f.client().OrderInfo(t.Context(), "amzn1.dash.v2.o.x")
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Items) != 1 {
				t.Fatalf("items = %+v", res.Items)
			}
			it := res.Items[0]
			if !it.ExpectedDeliveryDate.Equal(tc.want) || it.ASIN != "B0" || it.Quantity != 2 || it.SlotID != "s1" || it.Status != "Pending" {
				t.Errorf("item = %+v, want date %v", it, tc.want)
			}
		})
	}
	// A wrong type elsewhere in the item is still the general error.
	f := newFake(t)
	f.handle("/getOrderInfo/", jsonReply(200, `{"orderInfoData":{"instanceId":"x","orderItems":[{"quantity":"two"}]}}`))
	_, err := f.client().OrderInfo(t.Context(), "x")
	wantCode(t, err, drs.CodeGeneral)
}

// TestNotFoundIsSlotOnlyForReplenish: ErrSlotNotFound matches Replenish's
// 404 (Amazon's unknown slot) but not a 404 from another call.
func TestNotFoundIsSlotOnlyForReplenish(t *testing.T) {
	f := newFake(t)
	f.handle("/", jsonReply(http.StatusNotFound, `{"message":"Not found"}`))
	c := f.client()
	_, err := c.OrderInfo(t.Context(), "amzn1.dash.v2.o.unknown")
	wantCode(t, err, 404)
	if errors.Is(err, drs.ErrSlotNotFound) || !errors.Is(err, drs.ErrHTTP) {
		t.Errorf("OrderInfo 404: Is(ErrSlotNotFound) = %v, Is(ErrHTTP) = %v", errors.Is(err, drs.ErrSlotNotFound), errors.Is(err, drs.ErrHTTP))
	}
	_, err = c.Replenish(t.Context(), "no-such-slot")
	if !errors.Is(err, drs.ErrSlotNotFound) || !errors.Is(err, drs.ErrHTTP) {
		t.Errorf("Replenish 404 = %v: want ErrSlotNotFound and ErrHTTP", err)
	}
}
