package drssim

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/amazondrs/drs/sns"
)

// snsTimeLayout is the envelope's Timestamp format, SNS's.
const snsTimeLayout = "2006-01-02T15:04:05.000Z"

// Delivery outcomes in the delivery log.
const (
	SNSDelivered = "delivered" // the endpoint answered 200-499: SNS does not retry
	SNSRetrying  = "retrying"  // failed; sent again after RetryDelay
	SNSDropped   = "dropped"   // failed the last attempt, or the emulator closed
)

// snsDelivery is one message on its way to one subscription.
type snsDelivery struct {
	sub     *snsSub
	msg     sns.Message // unsigned; signed at each attempt
	drsType string      // the DRS notificationType, "" for confirmations
	fault   string      // the SNS fault applied, for the log
	delay   time.Duration
	attempt int
	counted bool // in snsHub.pending
}

// SNSDelivery is one line of the delivery log: an attempt, or a drop.
type SNSDelivery struct {
	Seq              int64     `json:"seq"`
	Time             time.Time `json:"time"` // wall clock
	MessageID        string    `json:"messageId"`
	Type             string    `json:"type"` // SNS message type
	NotificationType string    `json:"notificationType,omitempty"`
	SubscriptionARN  string    `json:"subscriptionArn"`
	Endpoint         string    `json:"endpoint"`         // without its query, which may hold a secret
	Attempt          int       `json:"attempt"`          // 1 for the first
	Status           int       `json:"status,omitempty"` // the endpoint's answer
	Outcome          string    `json:"outcome"`          // SNSDelivered, SNSRetrying or SNSDropped
	Error            string    `json:"error,omitempty"`
	Fault            string    `json:"fault,omitempty"`
}

// snsLogSize is how many deliveries the log keeps.
const snsLogSize = 1000

// snsLog is a ring of the last snsLogSize deliveries, guarded by snsHub.mu.
type snsLog struct {
	recs []SNSDelivery
	next int64
}

func (l *snsLog) add(d SNSDelivery) {
	l.next++
	d.Seq = l.next
	if len(l.recs) == snsLogSize {
		copy(l.recs, l.recs[1:])
		l.recs = l.recs[:snsLogSize-1]
	}
	l.recs = append(l.recs, d)
}

// SNSDeliveries returns the delivery log, oldest first: every attempt to
// deliver a message and every drop, at most the last 1000.
func (s *Server) SNSDeliveries() []SNSDelivery {
	h := s.sns
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]SNSDelivery(nil), h.log.recs...)
}

// record logs d's attempt; the caller holds mu.
func (h *snsHub) record(d *snsDelivery, status int, outcome string, err error) {
	rec := SNSDelivery{Time: time.Now().UTC(), MessageID: d.msg.MessageID, Type: d.msg.Type,
		NotificationType: d.drsType, SubscriptionARN: d.sub.SubscriptionARN, Endpoint: shownEndpoint(d.sub.Endpoint),
		Attempt: d.attempt, Status: status, Outcome: outcome, Fault: d.fault}
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = rec.Endpoint
		}
		rec.Error = err.Error()
	}
	h.log.add(rec)
	if outcome != SNSRetrying && d.counted {
		d.counted = false
		if h.pending--; h.pending == 0 && h.idle != nil {
			close(h.idle)
			h.idle = nil
		}
	}
	if outcome == SNSDropped {
		h.logger.Warn("sns: delivery dropped", "messageId", rec.MessageID, "type", rec.Type,
			"notificationType", rec.NotificationType, "subscription", rec.SubscriptionARN,
			"endpoint", rec.Endpoint, "attempts", rec.Attempt, "err", rec.Error)
	}
}

// WaitSNSDeliveries waits until no SNS delivery is queued, in flight or
// waiting for a retry or a delay fault, so that the delivery log is
// complete; notifications held back by an out-of-order fault are not
// waited for. It returns ctx's error if ctx ends first.
func (s *Server) WaitSNSDeliveries(ctx context.Context) error {
	h := s.sns
	for {
		h.mu.Lock()
		if h.pending == 0 {
			h.mu.Unlock()
			return nil
		}
		if h.idle == nil {
			h.idle = make(chan struct{})
		}
		idle := h.idle
		h.mu.Unlock()
		select {
		case <-idle:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// shownEndpoint is an endpoint as logs show it: without its query.
func shownEndpoint(raw string) string {
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		return raw[:i] + "?[redacted]"
	}
	return raw
}

// confirmation builds a SubscriptionConfirmation or UnsubscribeConfirmation
// for sub; the caller holds mu.
func (h *snsHub) confirmation(sub *snsSub, typ string) *snsDelivery {
	text := "You have chosen to subscribe to the topic " + sub.TopicARN +
		".\nTo confirm the subscription, visit the SubscribeURL included in this message."
	if typ == sns.TypeUnsubscribeConfirmation {
		text = "You have chosen to deactivate subscription " + sub.SubscriptionARN +
			".\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message."
	}
	return &snsDelivery{sub: sub, msg: sns.Message{
		Type: typ, MessageID: newRequestID(), Token: sub.token, TopicARN: sub.TopicARN, Message: text,
		SubscribeURL: h.amazonURL(snsConfirmPath, url.Values{"Action": {"ConfirmSubscription"},
			"TopicArn": {sub.TopicARN}, "Token": {sub.token}}),
		Timestamp: time.Now().UTC().Format(snsTimeLayout),
	}}
}

// publish sends a DRS notification to every confirmed subscription of its
// security profile. It is called on the request path, often under the
// state's lock: it only renders the documents and queues them.
func (h *snsHub) publish(ev *snsEvent) {
	if h.confirmed.Load() == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var targets []*snsSub
	for _, sub := range h.subs {
		if sub.State == SNSConfirmed && sub.ClientID == ev.key.clientID {
			targets = append(targets, sub)
		}
	}
	if len(targets) == 0 {
		return
	}
	f, faulted := h.takeFault()
	id, now := newRequestID(), time.Now().UTC().Format(snsTimeLayout)
	docs := map[string]string{}
	for _, sub := range targets {
		doc, ok := docs[sub.MessageVersion]
		if !ok {
			doc = ev.document(sub.MessageVersion)
			docs[sub.MessageVersion] = doc
		}
		d := &snsDelivery{sub: sub, drsType: ev.typ, msg: sns.Message{
			Type: sns.TypeNotification, MessageID: id, TopicARN: sub.TopicARN, Message: doc, Timestamp: now,
			UnsubscribeURL: h.amazonURL(snsUnsubscribePath, url.Values{"Action": {"Unsubscribe"}, "SubscriptionArn": {sub.SubscriptionARN}}),
		}}
		if sub.MessageVersion == "2" {
			d.msg.MessageAttributes = map[string]sns.MessageAttribute{"version": {Type: "String", Value: "2.0"}}
		}
		held := sub.held
		sub.held = nil
		switch {
		case !faulted:
			h.enqueue(d)
		case f.OutOfOrder:
			d.fault = f.describe()
			sub.held = append(sub.held, d)
		default:
			d.fault, d.delay = f.describe(), f.Delay
			dup := *d // copied before a worker can touch d
			h.enqueue(d)
			if f.Duplicate {
				h.enqueue(&dup)
			}
		}
		for _, old := range held {
			h.enqueue(old)
		}
	}
}

// enqueue queues d for its subscription's worker, starting one if none
// runs; a delayed d waits on a goroutine of its own. The caller holds mu.
func (h *snsHub) enqueue(d *snsDelivery) {
	h.pending++
	d.counted = true
	if h.stopping {
		h.record(d, 0, SNSDropped, errEmulatorClosed)
		return
	}
	if d.delay > 0 {
		wait := d.delay
		d.delay = 0
		h.wg.Add(1)
		go h.later(h.ctx, d, wait)
		return
	}
	sub := d.sub
	if len(sub.queue) >= maxSNSQueue {
		h.record(d, 0, SNSDropped, errQueueFull)
		return
	}
	sub.queue = append(sub.queue, d)
	if !sub.running {
		sub.running = true
		h.wg.Add(1)
		go h.work(h.ctx, sub)
	}
}

var (
	errEmulatorClosed = errors.New("the emulator closed")
	errQueueFull      = fmt.Errorf("%d messages already queued for the endpoint", maxSNSQueue)
)

// work delivers sub's queue in order, first attempts only, and exits when
// it is empty: an idle emulator runs no goroutine.
func (h *snsHub) work(ctx context.Context, sub *snsSub) {
	defer h.wg.Done()
	for {
		h.mu.Lock()
		if len(sub.queue) == 0 || ctx.Err() != nil {
			for _, d := range sub.queue {
				h.record(d, 0, SNSDropped, errEmulatorClosed)
			}
			sub.queue, sub.running = nil, false
			h.mu.Unlock()
			return
		}
		d := sub.queue[0]
		sub.queue = sub.queue[1:]
		h.mu.Unlock()
		h.attempt(ctx, d)
	}
}

// later waits, then attempts d.
func (h *snsHub) later(ctx context.Context, d *snsDelivery, wait time.Duration) {
	defer h.wg.Done()
	t := time.NewTimer(wait)
	select {
	case <-t.C:
		h.attempt(ctx, d)
	case <-ctx.Done():
		t.Stop()
		h.mu.Lock()
		h.record(d, 0, SNSDropped, errEmulatorClosed)
		h.mu.Unlock()
	}
}

// attempt POSTs d once and records the outcome, scheduling a retry after
// a failure while retries are left.
func (h *snsHub) attempt(ctx context.Context, d *snsDelivery) {
	d.attempt++
	status, err := h.post(ctx, d)
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case err == nil && status >= 200 && status < 500:
		h.record(d, status, SNSDelivered, nil)
		return
	case err == nil:
		err = fmt.Errorf("endpoint answered %d", status)
	}
	if ctx.Err() != nil || d.attempt > h.cfg.Retries || h.stopping {
		h.record(d, status, SNSDropped, err)
		return
	}
	h.record(d, status, SNSRetrying, err)
	h.wg.Add(1) // within a tracked goroutine: the count is not zero
	go h.later(ctx, d, h.cfg.RetryDelay)
}

// post signs d and sends it as SNS does; it returns the endpoint's status.
func (h *snsHub) post(ctx context.Context, d *snsDelivery) (int, error) {
	body, err := h.sign(d)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.sub.Endpoint, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	hd := req.Header
	hd.Set("Content-Type", "text/plain; charset=UTF-8")
	hd.Set("User-Agent", "Amazon Simple Notification Service Agent")
	hd.Set("x-amz-sns-message-type", d.msg.Type)
	hd.Set("x-amz-sns-message-id", d.msg.MessageID)
	hd.Set("x-amz-sns-topic-arn", d.msg.TopicARN)
	if d.msg.Type != sns.TypeSubscriptionConfirmation {
		hd.Set("x-amz-sns-subscription-arn", d.sub.SubscriptionARN)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// sign returns d's envelope signed with the subscription's signature
// version.
func (h *snsHub) sign(d *snsDelivery) ([]byte, error) {
	sig, err := h.signer()
	if err != nil {
		return nil, err
	}
	m := d.msg
	m.SignatureVersion = d.sub.SignatureVersion
	m.SigningCertURL = h.amazonURL(snsCertDir+sig.pemName, nil)
	toSign, err := m.StringToSign()
	if err != nil {
		return nil, err
	}
	var raw []byte
	if m.SignatureVersion == "2" {
		sum := sha256.Sum256(toSign)
		raw, err = rsa.SignPKCS1v15(nil, sig.key, crypto.SHA256, sum[:])
	} else {
		sum := sha1.Sum(toSign)
		raw, err = rsa.SignPKCS1v15(nil, sig.key, crypto.SHA1, sum[:])
	}
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	m.Signature = base64.StdEncoding.EncodeToString(raw)
	return json.Marshal(&m)
}

// stop cancels every delivery and waits for the goroutines to end. The hub
// stays stopped (what is published meanwhile, say by a handler still
// running after Close, is dropped and logged) until resume.
func (h *snsHub) stop() {
	h.mu.Lock()
	h.stopping = true
	h.cancel()
	for _, sub := range h.subs {
		for _, d := range sub.held {
			h.record(d, 0, SNSDropped, errEmulatorClosed)
		}
		sub.held = nil
	}
	h.mu.Unlock()
	h.wg.Wait()
	h.transport.CloseIdleConnections()
}

// resume makes a stopped hub deliver again.
func (h *snsHub) resume() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopping {
		h.ctx, h.cancel = context.WithCancel(context.Background())
		h.stopping = false
	}
}
