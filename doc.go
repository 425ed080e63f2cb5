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
//
// # Choices where Amazon is silent
//
// Amazon's documentation leaves some behaviour open (docs/wire.md says what is known). The
// library's choices, kept here in one place:
//
//   - Amazon names no European or Far East DRS host: [EUEndpoints] and
//     [FEEndpoints] use regional LWA hosts and the North American DRS host.
//   - Slot IDs and event instance IDs may be at most 255 bytes (Amazon
//     documents 255 for eventInstanceId only); "." and ".." are sent
//     percent-encoded so no proxy cleans them away.
//   - Transport failures carry libcurl's numbers, as the seed's did; a body
//     cut short is 18, one over the 1 MiB cap 63, a cancelled context 42.
//   - A refresh that returns no refresh token keeps the old one; a refresh
//     LWA rejects with invalid_grant drops the access token but keeps the
//     refresh token, so the caller decides when to link again.
//   - DRS documents no 429: the client treats 429 like a 5xx, honouring
//     Retry-After, for calls that are safe to repeat.
//   - Errors and debug output never hold the client secret or the Client's
//     tokens, even when a server echoes them back: they become
//     "[redacted]". Values shorter than 8 bytes (never a real LWA secret)
//     are not treated as secrets, so that short test values do not garble
//     every message.
//   - A code exchange that LWA answers with a success but no refresh token
//     is code 1000 (not authenticated): nothing is stored, the device is
//     not linked. LWA refusing the code itself (invalid_grant, e.g. an
//     expired code) keeps its HTTP status, 400, as every other LWA error.
//   - An access token counts as expired a minute before LWA's expires_in
//     says (the seed refreshed 5 s early): a call in flight must not
//     carry a token that expires on the way.
//   - Amazon documents no redirects for DRS or LWA. The Client follows
//     none: a 3xx is an error whose code is its status. For Replenish it
//     counts as [ErrOutcomeUnknown], since a 303 See Other is the standard
//     answer of a server that processed a POST (RFC 9110 §15.4.4), and a
//     proxy may redirect after forwarding.
//   - Over https, Replenish goes with an empty body that cannot be
//     rewound, so Go's HTTP/2 transport cannot resend it after a stream
//     reset. A server that speaks only HTTP/1.1 over TLS then gets the
//     empty body as a zero-length chunk (Transfer-Encoding: chunked, valid
//     HTTP/1.1, RFC 9112 §7.1) instead of Content-Length: 0; plain http
//     (the emulator) still gets Content-Length: 0.
//   - Which Replenish failures may have placed an order is not documented:
//     anything after the connection was made except a 4xx counts as
//     [ErrOutcomeUnknown]; a DNS failure, a refused or failed dial and a
//     failed certificate check prove nothing was sent.
//   - A deregistration that ends with LWA's invalid_grant counts as done
//     (the token is revoked, which deregistering does): see
//     [DeregisterResult].
//   - SubscriptionInfo's Version is the one DRS names in its
//     x-amzn-type-version header, or else the one asked for.
package drs
