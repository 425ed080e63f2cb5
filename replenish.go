package drs

import (
	"context"

	"github.com/amazondrs/drs/internal/pathseg"
)

// DetailCode says what a Replenish call did.
type DetailCode string

// The detail codes DRS documents for Replenish.
const (
	// StandardOrderPlaced means a real order was placed (the customer is charged).
	StandardOrderPlaced DetailCode = "STANDARD_ORDER_PLACED"
	// TestOrderPlaced means a test device placed a test order (nothing is charged or shipped).
	TestOrderPlaced DetailCode = "TEST_ORDER_PLACED"
	// OrderInProgress means no order was placed because one is still in progress.
	OrderInProgress DetailCode = "ORDER_INPROGRESS"
)

// ReplenishResult is DRS's answer to Replenish.
type ReplenishResult struct {
	// EventInstanceID identifies the order in SNS notifications and
	// OrderInfo ("amzn1.dash.v2.o....").
	EventInstanceID string `json:"eventInstanceId"`
	// DetailCode says whether an order was placed.
	DetailCode DetailCode `json:"detailCode"`
	// Response is the raw answer, for fields Amazon may add.
	Response *Response `json:"-"`
}

// Replenish orders the product subscribed in slotID, like the seed's
// replenish. It is never sent twice unless the first attempt provably placed
// no order: the connection was refused, or DRS refused the access token
// ("Invalid token"), in which case it is sent once more with a fresh one. A
// second order costs the customer money, so 429, 5xx, timeouts and broken
// connections are returned, not retried.
//
// Amazon: https://developer.amazon.com/docs/dash/replenish-endpoint.html
func (c *Client) Replenish(ctx context.Context, slotID string) (*ReplenishResult, error) {
	seg, err := pathseg.Escape("slot ID", slotID)
	if err != nil {
		return nil, &Error{Code: CodeGeneral, Op: opReplenish.name, Message: err.Error()}
	}
	var res ReplenishResult
	resp, err := c.call(ctx, opReplenish, "/replenish/"+seg, nil, &res)
	if err != nil {
		return nil, err
	}
	res.Response = resp
	if res.DetailCode == "" {
		return nil, c.decodeError(opReplenish, resp, errMissing("detailCode"))
	}
	return &res, nil
}

type errMissing string

func (e errMissing) Error() string { return "field " + string(e) + " is missing" }
