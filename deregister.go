package drs

import (
	"context"
)

// Deregister unlinks the device from the customer's account (version 2 of
// the endpoint). Amazon then revokes every token of the device, so on success
// the Client forgets its tokens and calls the [WithTokenChange] hook with an
// empty Token, which is the cue to delete the stored refresh token.
//
// Amazon: https://developer.amazon.com/docs/dash/deregistration-endpoint.html
func (c *Client) Deregister(ctx context.Context) error {
	return c.deregister(ctx, opDeregisterV2, "/registration")
}

// DeregisterDevice unlinks the device named by model and serial with version
// 1 of the endpoint; the token must belong to that device.
func (c *Client) DeregisterDevice(ctx context.Context, deviceModel, serial string) error {
	m, err := pathSegment("device model", deviceModel)
	if err != nil {
		return &Error{Code: CodeGeneral, Op: opDeregisterV1.name, Message: err.Error()}
	}
	s, err := pathSegment("serial", serial)
	if err != nil {
		return &Error{Code: CodeGeneral, Op: opDeregisterV1.name, Message: err.Error()}
	}
	return c.deregister(ctx, opDeregisterV1, "/deviceModels/"+m+"/devices/"+s+"/registration")
}

func (c *Client) deregister(ctx context.Context, op operation, path string) error {
	_, err := c.call(ctx, op, path, nil, nil)
	if err != nil {
		return err
	}
	c.setToken(Token{})
	return nil
}
