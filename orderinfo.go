package drs

import (
	"context"
	"encoding/json"
	"time"

	"github.com/amazondrs/drs/internal/pathseg"
)

// OrderItem is one item of an order.
type OrderItem struct {
	// ASIN is Amazon's product number.
	ASIN string `json:"asin"`
	// ExpectedDeliveryDate is when Amazon expects to deliver the item; zero
	// while Amazon does not know yet (null or "" during order resolution) or
	// when the value is not an RFC 3339 date (the raw value stays in
	// [OrderInfo.Response]).
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

// UnmarshalJSON decodes an item, accepting an expectedDeliveryDate that is
// null, empty or not RFC 3339 as the zero time: one odd date must not hide
// the rest of the order.
func (it *OrderItem) UnmarshalJSON(b []byte) error {
	type plain OrderItem // without this method
	var v struct {
		*plain
		ExpectedDeliveryDate json.RawMessage `json:"expectedDeliveryDate"`
	}
	v.plain = (*plain)(it)
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	it.ExpectedDeliveryDate = time.Time{}
	var s string
	if json.Unmarshal(v.ExpectedDeliveryDate, &s) == nil && s != "" {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			it.ExpectedDeliveryDate = t
		}
	}
	return nil
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
	seg, err := pathseg.Escape("event instance ID", eventInstanceID)
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
