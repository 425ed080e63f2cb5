// Package drssim is a local emulator of Amazon Dash Replenishment Service
// (DRS, the legacy REST API) and of the parts of Login with Amazon (LWA)
// that DRS devices use, faithful enough that code which works against it
// works unchanged against Amazon. It follows docs/wire.md.
//
// A [Server] is an http.Handler that serves, on one origin and with Amazon's
// paths, the LWA authorization page (GET /ap/oa, with a consent page that
// posts to /ap/oa/consent), the LWA token endpoint (POST /auth/o2/token),
// every DRS endpoint, and a control plane under /_emulator/. Use it
// in-process:
//
//	s, err := drssim.New(drssim.DefaultConfig())
//	if err := s.Start(); err != nil { ... } // 127.0.0.1 on a free port
//	defer s.Close()
//	link, err := s.LinkDevice(drssim.LinkRequest{Serial: "SN1", TestDevice: true})
//	// point a DRS client at s.URL() (or DRS_EMULATOR_HOST=s.Addr()) and
//	// give it link.RefreshToken
//
// or from the command line with `drs sim`.
//
// State (devices, tokens, codes, orders, reports) lives in memory and is safe
// for concurrent use. Time follows an emulator clock ([WithClock],
// [Server.Advance]) so that tests can expire tokens and codes without
// waiting. Faults ([Fault]) make the next calls of an endpoint fail in the
// ways real networks and servers do.
//
// # Behaviour Amazon does not document
//
// docs/wire.md says what is known of Amazon's behaviour. Where nobody
// knows, these are the emulator's
// choices, all in this one place:
//
//   - Lifetimes (emulator clock). A consent page can be answered for 5
//     minutes after /ap/oa showed it, and the authorization code Allow issues
//     lasts 5 minutes from then. Access tokens last 3600 s. Refresh tokens do
//     not expire and are not rotated: the refresh grant returns the same one,
//     and earlier access tokens stay valid until they expire.
//   - /ap/oa errors. A missing or unknown client_id, or a missing or not
//     allowed redirect_uri, gets a 400 HTML error page, never a redirect.
//     Everything else is redirected with error, error_description and state:
//     a missing response_type, scope or scope_data, malformed scope_data, a
//     bad serial or device_model charset or length, or a flag that is neither
//     a boolean nor "true"/"false" is invalid_request; a response_type other
//     than code is unsupported_response_type; a scope other than
//     dash:replenish is invalid_scope, and so is an unknown device_model or
//     a non-live one without should_include_non_live. Deny on the consent
//     page is access_denied. Redirect URIs match allowed return URLs as whole
//     strings, or, when AllowLoopbackAnyPort is set, as plain-HTTP loopback
//     URLs equal but for the port (RFC 8252 §7.3).
//   - PKCE (RFC 7636) is optional: with a code_challenge (S256 or plain) the
//     token exchange needs the matching code_verifier, and the client secret
//     may be left out.
//   - Token endpoint. Parameters are read from the form body only, never
//     the query string. The client authenticates with client_id and
//     client_secret in the body or with HTTP Basic (base64 of the form-encoded
//     client_id:client_secret, RFC 6749 §2.3.1), which LWA documents on
//     developer.amazon.com/docs/login-with-amazon/authorization-code-grant.html
//     (docs/wire.md, "Client authentication"); a client_secret in the body beside Basic is
//     invalid_request (RFC 6749 §2.3 allows one method), a body client_id
//     must match Basic's, and a failed Basic authentication is a 401 with
//     WWW-Authenticate: Basic (RFC 6749 §5.2; LWA's header is not recorded).
//     The refresh grant may leave out the secret, as LWA documents
//     (developer.amazon.com/docs/amazon-data-portability/use-refresh-token.html)
//     and Amazon's Android sample does (amzn/drs-sample-android-app
//     TokenGenerator.java): the answer then carries no refresh_token. The
//     code exchange needs the secret unless the code was issued with PKCE.
//     Missing parameters are invalid_request (400), an unknown client or a
//     wrong secret is invalid_client (401), an unknown, expired, used or
//     revoked code, or a redirect_uri different from the authorize one, is
//     invalid_grant (400, "...invalid grant parameter : code" or
//     ": redirect_uri"). Every invalid_grant and invalid_request carries
//     x-amzn-ErrorType
//     OA2InvalidRequestException:http://internal.amazon.com/coral/com.amazon.panda/.
//     A failed exchange does not use up the code; a used code is
//     invalid_grant and the tokens it produced stay valid.
//   - DRS request checks run in this order: bearer token, x-amzn-type-version,
//     x-amzn-accept-type, then path and body. A missing or unsupported version
//     header is 400 {"message":...} with x-amzn-ErrorType
//     ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/,
//     as is every other malformed request. Header values must match exactly.
//   - Replenish of an unknown slot is 404 with x-amzn-ErrorType
//     ResourceNotFoundException:http://internal.amazon.com/coral/com.amazon.parkeraccioservice/;
//     on every other endpoint an unknown slot is a 400 ValidationException.
//     ORDER_INPROGRESS responses include the open order's eventInstanceId.
//   - Orders are expected two days after they are placed. An order reads
//     "Processing" (the status in Amazon's GetOrderInfo example) and blocks
//     its slot until the emulator clock passes its expected delivery; it then
//     reads "Closed" and Replenish places a new order. Test orders behave the
//     same unless cancelled ("Canceled"). "Closed" and "Canceled" are from
//     Amazon's list of statuses (Pending, Authorized, Canceled, Closed,
//     Unknown); the emulator never reports the other three. Every order is
//     for one unit of the chosen ASIN: GetOrderInfo's quantity is 1.
//     Deregistration does not end open orders: a device linked again finds
//     its slots blocked until they are delivered or, for test orders,
//     cancelled.
//   - CancelTestOrders only cancels test orders. A slot whose open order is a
//     real one stays blocked and is reported as ORDER_INPROGRESS; every other
//     slot is NO_ORDER_IN_PROGRESS. The legacy path /testOrders/{slotId} is
//     accepted too.
//   - GetOrderInfo of an unknown eventInstanceId, or of another device's
//     order, is a 400 ValidationException.
//   - SlotStatus and DeviceStatus bodies must be JSON objects (form-encoded
//     bodies are rejected) of at most 64 KiB (else 413). Dates are ISO 8601,
//     as the endpoints' pages say, in the forms Amazon's clients send
//     (docs/wire.md, "SlotStatus"; Amazon's Android sample CommunicationHandler.java
//     sends "2017-04-01"): a calendar date (midnight UTC), or a date-time
//     with or without fractional seconds and a Z, ±hh:mm or ±hhmm offset. A
//     date-time without an offset, and other ISO 8601 forms (week or ordinal
//     dates, reduced precision), are refused: no client is recorded sending
//     them. remainingQuantityInUnit is any non-negative number, the other
//     quantities non-negative integers; unknown fields are ignored.
//   - Deregistration clears the device's subscriptions and revokes its
//     tokens and codes; its orders stay in the order book and the device can
//     be linked again. The v1 path must name the token's device, else 400. A
//     consent page already shown is not a code: answering it links the
//     device again.
//   - Linking a device that is already linked (Allow again, or
//     POST /_emulator/devices) replaces its flags and product choices and
//     issues new tokens; its earlier tokens and open orders stay valid.
//   - There are no rate limits and no throttling (none are documented); use
//     a [Fault] with status 429 or 503 to test a client's backoff.
//   - Unknown paths are 404 and known paths with another method 405, both
//     with a {"message":...} body.
//
// # Amazon's shapes on the wire
//
// docs/wire.md describes real answers (a 2017 ESP8266 serial log in
// Alpha-Amol/OmegaJar, tokens in andium/AmazonDRS); the emulator copies
// their shapes:
//
//   - Every response, control plane included, carries x-amzn-RequestId (a
//     UUID; the emulator's are random version 4, Amazon's were version 1)
//     and X-Amz-Date (emulator clock). Amazon spells x-amzn-RequestId,
//     x-amzn-type-version and x-amzn-ErrorType so on the wire, and so does
//     the emulator, bypassing Go's canonical X-Amzn-Requestid; a fault's
//     header of one of these names takes the same spelling and replaces
//     the emulator's.
//   - An eventInstanceId is "amzn1.dash.v2.o." and the base64 of
//     "r.<uuid>.<uuid>", 116 characters; Replenish answers
//     {"detailCode":...,"eventInstanceId":...}, detailCode first.
//   - Access and refresh tokens are "Atza|IwEBI" or "Atzr|IwEBI" and URL-safe
//     base64, 460 characters; authorization codes are 20 letters.
//
// # SNS notifications
//
// The emulator sends DRS notifications through SNS as Amazon does
// (docs/wire.md, "SNS notifications"), to HTTP(S) endpoints subscribed with
// [Server.SNSSubscribe] or POST /_emulator/sns/subscriptions. Each security
// profile has its own topic ([Server.SNSTopicARN]); a subscription hears
// only its profile's devices. The endpoint first gets a
// SubscriptionConfirmation; a GET of its SubscribeURL confirms. Confirmed
// endpoints get, signed (SignatureVersion "1" or "2", per subscription) and
// with the x-amz-sns-* headers: DeviceRegistered then SubscriptionChanged
// on every link (browser or control plane), OrderPlaced on a Replenish that
// places an order (the same eventInstanceId), OrderCancelled on
// CancelTestOrders and on a customer's cancellation, ItemShipped,
// DeviceDeregistered on deregistration (API or Amazon's side), and
// SubscriptionChanged on a customer's change of a slot. An UnsubscribeURL
// GET unsubscribes (with an UnsubscribeConfirmation).
//
// Messages name Amazon's host, as receivers require: the SigningCertURL is
// https://sns.<region>.amazonaws.com/_emulator/sns/certs/SimpleNotificationService-<hex>.pem,
// the SubscribeURL https://sns.<region>.amazonaws.com/_emulator/sns/confirm?...
// and the UnsubscribeURL .../_emulator/sns/unsubscribe?...: the paths are
// the emulator's, so a receiver under test reaches them by sending
// requests for sns.<region>.amazonaws.com to the emulator over plain HTTP.
// [Server.SNSHTTPClient] is such a client (for sns.Config.HTTPClient);
// receivers trust the key with sns.TrustCertificate([Server.SNSCertificate]),
// also served at GET /_emulator/sns/certificate.
//
// The choices where Amazon is silent or the emulator differs:
//
//   - Two clocks. The envelope's Timestamp is the wall clock when the
//     message was published, the same on every retry, as SNS's; the DRS
//     notificationTime follows the emulator clock, so that a receiver's
//     Verifier accepts messages however far the emulator clock was advanced.
//   - Delivery is asynchronous and never blocks a DRS request: each
//     subscription has a queue served in order by a goroutine that exits
//     when it is empty (at most 10,000 messages queued; beyond, dropped).
//     An answer of 200-499 is delivered (SNS does not retry those); a 5xx,
//     a connection failure or 15 s without an answer is retried
//     [SNSConfig.Retries] times (3) [SNSConfig.RetryDelay] apart (20 s),
//     then dropped and logged at Warn. Retries do not hold up later messages.
//   - [Server.Close] cancels deliveries in progress and drops what is queued
//     (logged), returning when their goroutines have ended.
//     [Server.WaitSNSDeliveries] waits until nothing is under way.
//   - The signing key is RSA 2048, made on the first subscription and
//     shared by every Server of the process, unless [WithSNSSigningKey]
//     gives one; its self-signed certificate is valid from 1999 to 2100.
//   - Subscriptions default to SignatureVersion "1" (SNS's default) and DRS
//     message version "2" (the one with ASINs); version 2 messages carry the
//     message attribute version "2.0". MessageIds and notificationIds are
//     random UUIDs; the directedCustomerId is derived from CustomerName.
//   - Order notifications give the product's quantity and unit (12 ounce),
//     the slot's size of one order; estimatedDeliveryDate is the order's
//     expected delivery. A shipped order stays "Processing" until then and
//     can no longer be cancelled; the customer may cancel any open order,
//     test or real.
//   - SNS faults ([SNSFault], POST /_emulator/sns/faults) apply to the next
//     notifications, never to confirmations: duplicate (sent twice, one
//     MessageId), out_of_order (held until the next notification of the
//     subscription is queued, then sent after it) and delay (wall clock;
//     later messages may overtake it). The delivery log ([Server.SNSDeliveries],
//     GET /_emulator/sns/deliveries) keeps the last 1,000 attempts and drops.
//
// # Emulator clock and request log
//
// The clock runs in real time from its start ([WithClock]) and moves only
// forward: [Server.Advance] refuses a negative advance, and one that would
// overflow (about 292 years in all) or pass the end of year 9999, changing
// nothing. The request log keeps the last 10,000 requests to Amazon's
// endpoints ([Server.RequestLog], GET /_emulator/requests): emulator time,
// endpoint, device and outcome, never tokens, codes, secrets or query
// strings.
package drssim
