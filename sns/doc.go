// Package sns receives Amazon SNS messages over HTTP(S) and reads the Dash
// Replenishment Service notifications they carry. It imports only the
// standard library.
//
// [NewHandler] returns an http.Handler for the subscription endpoint: it
// confirms subscriptions to the configured topics, verifies every message,
// and calls a function once per DRS notification, typed as an
// [*OrderPlaced], [*OrderCancelled], [*ItemShipped], [*DeviceRegistered],
// [*DeviceDeregistered] or [*SubscriptionChanged] event:
//
//	h, err := sns.NewHandler(sns.Config{
//		TopicARNs: []string{"arn:aws:sns:us-east-1:123456789012:drs"},
//		ClientID:  lwaClientID,
//		OnNotification: func(ctx context.Context, n *sns.Notification) error {
//			switch e := n.Event.(type) {
//			case *sns.OrderPlaced:
//				return db.RecordOrder(ctx, n.SerialNumber, e.Order)
//			}
//			return nil
//		},
//	})
//	http.Handle("/sns", h)
//
// The parts work alone too: [ParseMessage], [Verifier.Verify] and
// [ParseNotification].
//
// # Trust
//
// A valid signature proves only that SNS sent a message: any AWS account
// can subscribe an endpoint to its own topic. So the Handler accepts only
// its TopicARNs (checked before anything is fetched) and notifications
// naming its LWA ClientID. A SigningCertURL must pass [CheckCertURL]
// (https, host sns.<region>.amazonaws.com or .amazonaws.com.cn, no port or
// user info, path ending .pem) before any [CertSource] sees it, and a
// SubscribeURL must pass [CheckSubscribeURL] before it is fetched, only
// after its message verified. [NewAmazonCerts] fetches certificates (the
// default); [TrustCertificate] trusts one given certificate, for tests and
// the emulator, which sign with their own key but name a SigningCertURL of
// Amazon's form.
//
// # Choices where Amazon is silent
//
// Facts are in docs/wire.md, "SNS notifications" (AWS: sns-message-and-json-formats,
// sns-verify-signature-of-message, sns-message-delivery-retries; Amazon:
// dash/notification-messages). The choices, kept here in one place:
//
//   - A message may be [DefaultMaxAge] (75 minutes) old: SNS retries for at
//     most 3,600 s; a Timestamp more than [MaxClockSkew] ahead is refused.
//   - A Subject key present but empty is signed ("Subject\n\n"), as AWS's
//     own validators do; an absent one is not.
//   - The fetched certificate is trusted because it came over HTTPS from an
//     SNS host; its chain is not checked further (AWS's validators do the
//     same), but it must be valid at the time of verification. Fetches are
//     cached by URL (64 entries), capped at 64 KiB, follow no redirect.
//   - Status codes: 4xx refuse for good (SNS does not retry 200-4xx), 5xx
//     ask for a retry. A certificate that cannot be fetched is 503, a
//     confirmation SNS refuses 502, a failing or late callback 500, a DRS
//     notification that cannot be read 400 (a retry would not help).
//   - One deadline, [DefaultTimeout] (10 s, below SNS's 15 s), covers
//     the whole answer: certificate, confirmation GET, callback.
//   - A MessageId is marked seen only after the callback succeeded; a
//     retry arriving while the first delivery's callback still runs is
//     answered 500. The callback should honour its context: one that
//     returns after the deadline counts as failed.
//   - An UnsubscribeConfirmation is verified and answered 200; nothing
//     resubscribes.
//   - DRS documents are read leniently where Amazon's samples are sloppy:
//     a comma before a closing brace or bracket is forgiven, a quantity may
//     be a number (1.0) or a string holding one, unknown fields are
//     ignored, a notification type not listed here arrives as [*Unknown].
//   - The message version is the SNS message attribute "version" ("2.0"),
//     "1.0" without it; both versions' shapes are read whatever it says.
package sns
