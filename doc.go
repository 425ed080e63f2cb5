// Package drs is a client for Amazon Dash Replenishment Service (DRS), the
// REST API that lets the cloud side of a connected device (its "agent") place,
// inspect and cancel replenishment orders on a customer's Amazon account, and
// for the Login with Amazon (LWA) tokens that authorise it.
//
// It re-creates, in idiomatic Go, Electric Imp's AmazonDRS agent library 1.1.0:
// the same operations (SetRefreshToken, RefreshToken, Replenish, cancelling test
// orders, a login flow, debug output) and the same numeric error codes, plus
// every other endpoint of the legacy DRS API.
//
// A Client holds the LWA credentials of one security profile and the tokens of
// one device. Create it with [New], give it a refresh token with
// [Client.SetRefreshToken] (or link the device with the login flow), then call
// the API:
//
//	c, err := drs.New(clientID, clientSecret)
//	c.SetRefreshToken(refreshToken)
//	res, err := c.Replenish(ctx, "slot-1")
//
// Every error returned by a Client is, or wraps, an [*Error] that carries the
// seed library's numeric code (see [Error.Code]) and whatever Amazon said.
//
// When the environment variable DRS_EMULATOR_HOST (host:port) is set and no
// endpoint option is given, the client talks to a local emulator (see package
// drssim) at http://$DRS_EMULATOR_HOST instead of Amazon.
package drs
