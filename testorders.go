package drs

import (
	"context"

	"github.com/amazondrs/drs/internal/pathseg"
)

// NoOrderInProgress is the orderStatus DRS documents after a cancellation.
const NoOrderInProgress = "NO_ORDER_IN_PROGRESS"

// SlotOrderStatus is one slot's state after CancelTestOrder.
type SlotOrderStatus struct {
	// SlotID is the slot the status is about.
	SlotID string `json:"slotId"`
	// OrderStatus is the slot's order state, e.g. [NoOrderInProgress] (the
	// full list is not documented).
	OrderStatus string `json:"orderStatus"`
}

// CancelTestOrdersResult is DRS's answer to a test-order cancellation.
type CancelTestOrdersResult struct {
	// SlotOrderStatuses is the order state of each slot afterwards.
	SlotOrderStatuses []SlotOrderStatus `json:"slotOrderStatuses"`
	// Response is the raw answer, for fields Amazon may add.
	Response *Response `json:"-"`
}

// CancelTestOrder cancels the test order of one slot, like the seed's
// cancelTestOrder(slotId), so a test device gets TEST_ORDER_PLACED again
// instead of ORDER_INPROGRESS. Only test orders can be cancelled; the library
// does not know whether the device is a test device.
//
// Amazon: https://developer.amazon.com/docs/dash/canceltestorder-endpoint.html
func (c *Client) CancelTestOrder(ctx context.Context, slotID string) (*CancelTestOrdersResult, error) {
	seg, err := pathseg.Escape("slot ID", slotID)
	if err != nil {
		return nil, &Error{Code: CodeGeneral, Op: opCancelTestOrders.name, Message: err.Error()}
	}
	return c.cancelTestOrders(ctx, "/testOrders/slots/"+seg)
}

// CancelAllTestOrders cancels the test orders of every slot of the device,
// like the seed's cancelTestOrder() with no slot.
func (c *Client) CancelAllTestOrders(ctx context.Context) (*CancelTestOrdersResult, error) {
	return c.cancelTestOrders(ctx, "/testOrders")
}

func (c *Client) cancelTestOrders(ctx context.Context, path string) (*CancelTestOrdersResult, error) {
	var res CancelTestOrdersResult
	resp, err := c.call(ctx, opCancelTestOrders, path, nil, &res)
	if err != nil {
		return nil, err
	}
	if res.SlotOrderStatuses == nil {
		return nil, c.decodeError(opCancelTestOrders, resp, errMissing("slotOrderStatuses"))
	}
	res.Response = resp
	return &res, nil
}
