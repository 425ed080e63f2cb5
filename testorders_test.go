package drs_test

import (
	"context"
	"testing"

	"github.com/amazondrs/drs"
)

// TestCancelTestOrdersWire checks CancelTestOrder and CancelAllTestOrders on the wire (see testWire).
func TestCancelTestOrdersWire(t *testing.T) {
	testWire(t, []wireCase{
		{
			name:   "CancelTestOrder",
			call:   func(ctx context.Context, c *drs.Client) (any, error) { return result(c.CancelTestOrder(ctx, "slot-1")) },
			method: "DELETE", path: "/testOrders/slots/slot-1",
			typeVer: pfx + "DrsCancelTestOrdersInput@1.0", accept: pfx + "DrsCancelTestOrdersResult@1.0",
			reply: `{"slotOrderStatuses":[{"orderStatus":"NO_ORDER_IN_PROGRESS","slotId":"slot-1"}]}`,
			want:  &drs.CancelTestOrdersResult{SlotOrderStatuses: []drs.SlotOrderStatus{{SlotID: "slot-1", OrderStatus: drs.NoOrderInProgress}}},
		},
		{
			name:   "CancelAllTestOrders",
			call:   func(ctx context.Context, c *drs.Client) (any, error) { return result(c.CancelAllTestOrders(ctx)) },
			method: "DELETE", path: "/testOrders",
			typeVer: pfx + "DrsCancelTestOrdersInput@1.0", accept: pfx + "DrsCancelTestOrdersResult@1.0",
			reply: `{"slotOrderStatuses":[{"orderStatus":"NO_ORDER_IN_PROGRESS","slotId":"a"},{"orderStatus":"NO_ORDER_IN_PROGRESS","slotId":"b"}]}`,
			want: &drs.CancelTestOrdersResult{SlotOrderStatuses: []drs.SlotOrderStatus{
				{SlotID: "a", OrderStatus: drs.NoOrderInProgress}, {SlotID: "b", OrderStatus: drs.NoOrderInProgress}}},
		},
	})
}
