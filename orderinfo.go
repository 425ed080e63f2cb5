package drs

import (
	"context"
	"time"
)

// OrderItem is one item of an order.
type OrderItem struct {
	// ASIN is Amazon's product number.
	ASIN string `json:"asin"`
	// ExpectedDeliveryDate is when Amazon expects to deliver the item.
	ExpectedDeliveryDate time.Time `json:"expectedDeliveryDate"`
	// Quantity is how many units were ordered.
	Quantity int `json:"quantity"`
	// SlotID is the slot the item replenishes.
	SlotID string `json:"slotId"`
	// Status is the item's state. Amazon's endpoint page lists Pending,
	// Authorized, Canceled, Closed and Unknown, and its example shows
	// Processing; it is kept as a string so new values pass through.
	Status string `json:"status"`
}

// OrderInfo describes an order placed by Replenish.
type OrderInfo struct {
	// InstanceID is the order's event instance ID.
	InstanceID string `json:"instanceId"`
	// Items are the items of the order.
	Items []OrderItem `json:"orderItems"`
	// Response is the raw answer, for fields Amazon may add.
	Response *Response `json:"-"`
}

// OrderInfo returns the order with the given event instance ID (from
// [ReplenishResult.EventInstanceID] or an SNS notification).
//
// Amazon: https://developer.amazon.com/docs/dash/getorderinfo-endpoint.html
func (c *Client) OrderInfo(ctx context.Context, eventInstanceID string) (*OrderInfo, error) {
	seg, err := pathSegment("event instance ID", eventInstanceID)
	if err != nil {
		return nil, &Error{Code: CodeGeneral, Op: opOrderInfo.name, Message: err.Error()}
	}
	var res struct {
		Data *OrderInfo `json:"orderInfoData"`
	}
	resp, err := c.call(ctx, opOrderInfo, "/getOrderInfo/"+seg, nil, &res)
	if err != nil {
		return nil, err
	}
	if res.Data == nil {
		return nil, c.decodeError(opOrderInfo, resp, errMissing("orderInfoData"))
	}
	res.Data.Response = resp
	return res.Data, nil
}
