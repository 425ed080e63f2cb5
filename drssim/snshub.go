package drssim

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/amazondrs/drs/sns"
)

// Subscription states, as GET /_emulator/sns/subscriptions shows them.
const (
	SNSPending      = "PendingConfirmation"
	SNSConfirmed    = "Confirmed"
	SNSUnsubscribed = "Unsubscribed"
)

// Paths of the emulator's SNS endpoints. Messages name them on an Amazon
// host (https://sns.<region>.amazonaws.com + path); see the package
// documentation, "SNS notifications".
const (
	snsConfirmPath     = "/_emulator/sns/confirm"
	snsUnsubscribePath = "/_emulator/sns/unsubscribe"
	snsCertDir         = "/_emulator/sns/certs/"
	// maxSNSEndpoint caps an endpoint URL.
	maxSNSEndpoint = 2048
	// snsAttemptTimeout is how long a delivery waits for an answer, as SNS.
	snsAttemptTimeout = 15 * time.Second
	// maxSNSSubs caps the subscriptions of a Server.
	maxSNSSubs = 1000
	// maxSNSQueue caps a subscription's queue: beyond it, messages are
	// dropped (and logged), so that a stuck endpoint cannot grow memory.
	maxSNSQueue = 10_000
)

// SNSSubscribeRequest asks [Server.SNSSubscribe] for a subscription, as
// POST /_emulator/sns/subscriptions does.
type SNSSubscribeRequest struct {
	// ClientID is the security profile whose topic to subscribe to;
	// empty means the first configured.
	ClientID string `json:"client_id"`
	// Endpoint is the http or https URL messages are POSTed to.
	Endpoint string `json:"endpoint"`
	// SignatureVersion is "1" (RSA SHA1, SNS's default; also for "") or
	// "2" (RSA SHA256).
	SignatureVersion string `json:"signature_version"`
	// MessageVersion is the DRS message version, "1" or "2" (with ASINs;
	// also for "").
	MessageVersion string `json:"message_version"`
}

// SNSSubscription is a snapshot of one subscription.
type SNSSubscription struct {
	SubscriptionARN  string    `json:"subscriptionArn"`
	TopicARN         string    `json:"topicArn"`
	ClientID         string    `json:"clientId"`
	Endpoint         string    `json:"endpoint"`
	SignatureVersion string    `json:"signatureVersion"`
	MessageVersion   string    `json:"messageVersion"`
	State            string    `json:"state"`   // SNSPending, SNSConfirmed or SNSUnsubscribed
	Created          time.Time `json:"created"` // wall clock
}

// snsSub is a subscription with its delivery queue, guarded by snsHub.mu.
type snsSub struct {
	SNSSubscription
	token   string
	queue   []*snsDelivery // waiting for the worker, in order
	held    []*snsDelivery // held back by an out-of-order fault
	running bool           // a worker goroutine serves queue
}

// snsHub holds the SNS subscriptions and delivers their messages.
type snsHub struct {
	cfg       SNSConfig // defaults filled
	topics    map[string]string
	logger    *slog.Logger
	transport *http.Transport
	client    *http.Client
	confirmed atomic.Int32 // confirmed subscriptions: 0 skips all work

	key        *rsa.PrivateKey // from WithSNSSigningKey, or nil
	signerOnce sync.Once
	sig        *snsSigner
	sigErr     error

	mu       sync.Mutex
	subs     []*snsSub
	byToken  map[string]*snsSub
	byARN    map[string]*snsSub
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	stopping bool
	faults   []SNSFault
	log      snsLog
	pending  int           // deliveries queued, in flight, or waiting to retry
	idle     chan struct{} // closed when pending drops to 0
}

func newSNSHub(cfg SNSConfig, key *rsa.PrivateKey, profiles []SecurityProfile, logger *slog.Logger) *snsHub {
	cfg = cfg.withDefaults()
	tr := &http.Transport{MaxIdleConnsPerHost: 8, IdleConnTimeout: 30 * time.Second}
	h := &snsHub{
		cfg: cfg, key: key, topics: map[string]string{}, logger: logger, transport: tr,
		client: &http.Client{Transport: tr, Timeout: snsAttemptTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		byToken: map[string]*snsSub{}, byARN: map[string]*snsSub{},
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	for _, p := range profiles {
		h.topics[p.ClientID] = topicARN(cfg, p.ClientID)
	}
	return h
}

// topicARN is the security profile's topic: "drs-" and the client ID with
// every character SNS does not allow in topic names made a hyphen.
func topicARN(cfg SNSConfig, clientID string) string {
	name := strings.Map(func(r rune) rune {
		if isAlnum(r) || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, clientID)
	return "arn:aws:sns:" + cfg.Region + ":" + cfg.Account + ":drs-" + name
}

// amazonURL returns path on the Amazon SNS host of the region.
func (h *snsHub) amazonURL(path string, q url.Values) string {
	u := "https://sns." + h.cfg.Region + ".amazonaws.com" + path
	if q != nil {
		u += "?" + q.Encode()
	}
	return u
}

// SNSTopicARN returns the SNS topic of the security profile with the given
// client ID ("" for the first profile), or "" if there is no such profile.
func (s *Server) SNSTopicARN(clientID string) string {
	if clientID == "" {
		clientID = s.cfg.Profiles[0].ClientID
	}
	return s.sns.topics[clientID]
}

// SNSCertificate returns the certificate whose key signs the emulator's
// SNS messages, making the key if no subscription has yet. Receivers under
// test trust it with sns.TrustCertificate.
func (s *Server) SNSCertificate() (*x509.Certificate, error) {
	sig, err := s.sns.signer()
	if err != nil {
		return nil, err
	}
	return sig.cert, nil
}

// SNSSubscribe subscribes an endpoint to a security profile's topic and
// sends it a SubscriptionConfirmation, in the background; the subscription
// is confirmed when its SubscribeURL is fetched. Subscribing an endpoint
// again with the same versions returns the same subscription, sending a
// new confirmation while it is pending.
func (s *Server) SNSSubscribe(req SNSSubscribeRequest) (SNSSubscription, error) {
	h := s.sns
	if req.ClientID == "" {
		req.ClientID = s.cfg.Profiles[0].ClientID
	}
	topic := h.topics[req.ClientID]
	if topic == "" {
		return SNSSubscription{}, fmt.Errorf("client_id: unknown security profile %q", req.ClientID)
	}
	if err := checkEndpoint(req.Endpoint); err != nil {
		return SNSSubscription{}, fmt.Errorf("endpoint: %w", err)
	}
	var err error
	if req.SignatureVersion, err = oneOrTwo("signature_version", req.SignatureVersion, "1"); err != nil {
		return SNSSubscription{}, err
	}
	if req.MessageVersion, err = oneOrTwo("message_version", req.MessageVersion, "2"); err != nil {
		return SNSSubscription{}, err
	}
	if _, err := h.signer(); err != nil {
		return SNSSubscription{}, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, sub := range h.subs {
		if sub.ClientID == req.ClientID && sub.Endpoint == req.Endpoint && sub.State != SNSUnsubscribed &&
			sub.SignatureVersion == req.SignatureVersion && sub.MessageVersion == req.MessageVersion {
			if sub.State == SNSPending {
				h.enqueue(h.confirmation(sub, sns.TypeSubscriptionConfirmation))
			}
			return sub.SNSSubscription, nil
		}
	}
	if len(h.subs) >= maxSNSSubs {
		return SNSSubscription{}, fmt.Errorf("endpoint: the emulator holds %d subscriptions, its maximum", maxSNSSubs)
	}
	sub := &snsSub{SNSSubscription: SNSSubscription{
		SubscriptionARN: topic + ":" + newRequestID(), TopicARN: topic, ClientID: req.ClientID,
		Endpoint: req.Endpoint, SignatureVersion: req.SignatureVersion, MessageVersion: req.MessageVersion,
		State: SNSPending, Created: time.Now().UTC(),
	}, token: newSNSToken()}
	h.subs = append(h.subs, sub)
	h.byToken[sub.token], h.byARN[sub.SubscriptionARN] = sub, sub
	h.enqueue(h.confirmation(sub, sns.TypeSubscriptionConfirmation))
	return sub.SNSSubscription, nil
}

// checkEndpoint accepts an absolute http or https URL without user info.
func checkEndpoint(raw string) error {
	if raw == "" {
		return errors.New("required, an http or https URL")
	}
	if len(raw) > maxSNSEndpoint {
		return fmt.Errorf("%d bytes, at most %d allowed", len(raw), maxSNSEndpoint)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%s is not an http or https URL", quoteShort(raw))
	case u.User != nil:
		return errors.New("user info is not supported (it would show in the subscription list)")
	case u.Fragment != "":
		return errors.New("must not have a fragment")
	}
	return nil
}

func oneOrTwo(field, v, def string) (string, error) {
	switch v {
	case "":
		return def, nil
	case "1", "2":
		return v, nil
	}
	return "", fmt.Errorf("%s: %s is neither \"1\" nor \"2\"", field, quoteShort(v))
}

// newSNSToken returns a confirmation token: 128 hex digits, as SNS's.
func newSNSToken() string {
	b := make([]byte, 64)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// SNSSubscriptions returns every subscription, oldest first.
func (s *Server) SNSSubscriptions() []SNSSubscription {
	h := s.sns
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]SNSSubscription, 0, len(h.subs))
	for _, sub := range h.subs {
		out = append(out, sub.SNSSubscription)
	}
	return out
}

// confirm serves GET /_emulator/sns/confirm, the SubscribeURL:
// Action=ConfirmSubscription, TopicArn and Token. It answers SNS's XML.
func (s *Server) snsConfirm(r *http.Request) response {
	q := r.URL.Query()
	h := s.sns
	h.mu.Lock()
	defer h.mu.Unlock()
	sub := h.byToken[q.Get("Token")]
	switch {
	case q.Get("Action") != "ConfirmSubscription":
		return snsXMLError(http.StatusBadRequest, "InvalidParameter", "Action must be ConfirmSubscription")
	case sub == nil || sub.TopicARN != q.Get("TopicArn"):
		return snsXMLError(http.StatusNotFound, "NotFound", "No subscription with this TopicArn and Token")
	}
	if sub.State != SNSConfirmed {
		sub.State = SNSConfirmed
		h.confirmed.Add(1)
	}
	return snsXML("ConfirmSubscription", "<SubscriptionArn>"+xmlText(sub.SubscriptionARN)+"</SubscriptionArn>")
}

// snsUnsubscribe serves GET /_emulator/sns/unsubscribe, a notification's
// UnsubscribeURL: Action=Unsubscribe and SubscriptionArn. The endpoint is
// sent an UnsubscribeConfirmation; nothing else is delivered to it.
func (s *Server) snsUnsubscribe(r *http.Request) response {
	q := r.URL.Query()
	h := s.sns
	h.mu.Lock()
	defer h.mu.Unlock()
	sub := h.byARN[q.Get("SubscriptionArn")]
	switch {
	case q.Get("Action") != "Unsubscribe":
		return snsXMLError(http.StatusBadRequest, "InvalidParameter", "Action must be Unsubscribe")
	case sub == nil:
		return snsXMLError(http.StatusNotFound, "NotFound", "No such subscription")
	}
	if sub.State != SNSUnsubscribed {
		if sub.State == SNSConfirmed {
			h.confirmed.Add(-1)
		}
		sub.State = SNSUnsubscribed
		sub.held = nil
		h.enqueue(h.confirmation(sub, sns.TypeUnsubscribeConfirmation))
	}
	return snsXML("Unsubscribe", "")
}

// snsCert serves the signing certificate's PEM, at its Amazon-style name
// under /_emulator/sns/certs/ and at /_emulator/sns/certificate.
func (s *Server) snsCert(r *http.Request) response {
	sig, err := s.sns.signer()
	if err != nil {
		return messageResponse(http.StatusInternalServerError, nil, err.Error())
	}
	if name := r.PathValue("file"); name != "" && name != sig.pemName {
		return messageResponse(http.StatusNotFound, nil, "No such certificate: "+quoteShort(name))
	}
	return response{status: http.StatusOK, contentType: []string{"application/x-pem-file"}, body: sig.pem}
}

// SNSHTTPClient returns an http.Client for a receiver under test (for
// sns.Config.HTTPClient or sns.NewAmazonCerts): it sends each request for
// an SNS host (sns.<region>.amazonaws.com) to the emulator over plain
// HTTP, path and query kept, and refuses every other host, so that a test
// never reaches Amazon. The Server must be started.
func (s *Server) SNSHTTPClient() *http.Client {
	base := &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second}
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if !sns.IsSNSHost(r.URL.Host) {
			return nil, fmt.Errorf("drssim: SNSHTTPClient sends only requests for sns.<region>.amazonaws.com, not %s", quoteShort(r.URL.Host))
		}
		addr := s.Addr()
		if addr == "" {
			return nil, errors.New("drssim: SNSHTTPClient: the emulator is not started")
		}
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host, r.Host = "http", addr, addr
		return base.RoundTrip(r)
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// snsXML answers an SNS Query API action as SNS does.
func snsXML(action, result string) response {
	body := `<` + action + `Response xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><` + action + `Result>` +
		result + `</` + action + `Result><ResponseMetadata><RequestId>` + newRequestID() +
		`</RequestId></ResponseMetadata></` + action + `Response>`
	return response{status: http.StatusOK, contentType: ctXML, body: []byte(body)}
}

func snsXMLError(status int, code, msg string) response {
	body := `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>` + code +
		`</Code><Message>` + xmlText(msg) + `</Message></Error><RequestId>` + newRequestID() + `</RequestId></ErrorResponse>`
	return response{status: status, contentType: ctXML, body: []byte(body), outcome: code}
}

var ctXML = []string{"text/xml"}

func xmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
