package drs

import (
	"context"
	"errors"
	"log/slog"

	"github.com/amazondrs/drs/internal/pathseg"
)

// DeregisterResult says how a deregistration ended.
type DeregisterResult struct {
	// AlreadyRevoked is true when Amazon had already revoked the device's
	// refresh token (LWA answered invalid_grant): the device was no longer
	// linked, typically because an earlier attempt of the same call
	// deregistered it and its answer was lost, or the customer unlinked it.
	AlreadyRevoked bool
}

// Deregister unlinks the device from the customer's account (version 2 of
// the endpoint). Amazon then revokes every token of the device, so on success
// the Client forgets its tokens and calls the [WithTokenChange] hook with an
// empty Token, which is the cue to delete the stored refresh token (and what
// [WithTokenStore] does). A deregistration that finds the refresh token
// already revoked counts as done too; see [Client.DeregisterWithResult].
//
// Amazon: https://developer.amazon.com/docs/dash/deregistration-endpoint.html
func (c *Client) Deregister(ctx context.Context) error {
	_, err := c.DeregisterWithResult(ctx)
	return err
}

// DeregisterWithResult is [Client.Deregister], also saying whether Amazon had
// already revoked the token.
func (c *Client) DeregisterWithResult(ctx context.Context) (DeregisterResult, error) {
	return c.deregister(ctx, opDeregisterV2, "/registration")
}

// DeregisterDevice unlinks the device named by model and serial with version
// 1 of the endpoint; the token must belong to that device.
func (c *Client) DeregisterDevice(ctx context.Context, deviceModel, serial string) error {
	_, err := c.DeregisterDeviceWithResult(ctx, deviceModel, serial)
	return err
}

// DeregisterDeviceWithResult is [Client.DeregisterDevice], also saying
// whether Amazon had already revoked the token.
func (c *Client) DeregisterDeviceWithResult(ctx context.Context, deviceModel, serial string) (DeregisterResult, error) {
	m, err := pathseg.Escape("device model", deviceModel)
	if err != nil {
		return DeregisterResult{}, &Error{Code: CodeGeneral, Op: opDeregisterV1.name, Message: err.Error()}
	}
	s, err := pathseg.Escape("serial", serial)
	if err != nil {
		return DeregisterResult{}, &Error{Code: CodeGeneral, Op: opDeregisterV1.name, Message: err.Error()}
	}
	return c.deregister(ctx, opDeregisterV1, "/deviceModels/"+m+"/devices/"+s+"/registration")
}

// deregister sends op. When the call ends because LWA refuses the refresh
// token (invalid_grant), the token is dead and the device no longer linked:
// what a deregistration is for has happened, typically by an earlier attempt
// of this call whose answer was lost (the retry met "Invalid token", the
// refresh invalid_grant). That counts as done, so the stored token is
// deleted instead of lingering as a token that will never work again.
func (c *Client) deregister(ctx context.Context, op operation, path string) (DeregisterResult, error) {
	rt := c.RefreshToken()
	_, err := c.call(ctx, op, path, nil, nil)
	var res DeregisterResult
	if err != nil {
		var e *Error
		if !errors.As(err, &e) || e.Op != opRefresh.name || e.OAuthError != "invalid_grant" {
			return res, err
		}
		res.AlreadyRevoked = true
		c.debugLog(ctx, "deregistration done: LWA says the refresh token is already revoked (invalid_grant)", slog.String("op", op.name))
	}
	// Only the token this call revoked is forgotten: a login or a
	// SetRefreshToken that landed meanwhile stays.
	if err := c.setTokenIf(rt, Token{}); err != nil {
		// A hook's error is the caller's text: scrub it like any other.
		e := c.scrub(&Error{Code: CodeGeneral, Op: op.name, Message: "token-change hook", Err: err}, rt)
		c.debugLog(ctx, "deregistered, but the token-change hook failed", slog.String("error", e.Error()))
	}
	return res, nil
}
