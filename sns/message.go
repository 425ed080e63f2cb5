package sns

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// The three message types SNS delivers to an HTTP(S) endpoint.
const (
	TypeSubscriptionConfirmation = "SubscriptionConfirmation"
	TypeNotification             = "Notification"
	TypeUnsubscribeConfirmation  = "UnsubscribeConfirmation"
)

// ErrRawDelivery says a body is not an SNS JSON envelope, as with raw
// message delivery, which strips the signature: such a body cannot be
// verified and is always refused.
var ErrRawDelivery = errors.New("sns: body is not a signed SNS message (raw message delivery must be off)")

// Message is an SNS message as POSTed to an HTTP(S) subscriber: the JSON
// envelope, with every value exactly as decoded from JSON.
type Message struct {
	Type             string
	MessageID        string
	Token            string // confirmations only
	TopicARN         string
	Subject          string // notifications, only if published with one
	Message          string
	SubscribeURL     string // confirmations only
	UnsubscribeURL   string // notifications only
	Timestamp        string // as received: it is signed as such
	SignatureVersion string
	Signature        string
	SigningCertURL   string
	// MessageAttributes are the notification's attributes; DRS sends
	// {"version": {"Type": "String", "Value": "2.0"}} with version 2 messages.
	MessageAttributes map[string]MessageAttribute

	hasSubject bool // Subject was present, even empty: then it is signed
}

// MessageAttribute is one SNS message attribute.
type MessageAttribute struct {
	Type  string
	Value string
}

// wireMessage is the JSON envelope; Subject is a pointer to tell an absent
// key from an empty one.
type wireMessage struct {
	Type              string                      `json:"Type"`
	MessageID         string                      `json:"MessageId"`
	Token             string                      `json:"Token,omitempty"`
	TopicARN          string                      `json:"TopicArn"`
	Subject           *string                     `json:"Subject,omitempty"`
	Message           string                      `json:"Message"`
	SubscribeURL      string                      `json:"SubscribeURL,omitempty"`
	UnsubscribeURL    string                      `json:"UnsubscribeURL,omitempty"`
	Timestamp         string                      `json:"Timestamp"`
	SignatureVersion  string                      `json:"SignatureVersion"`
	Signature         string                      `json:"Signature"`
	SigningCertURL    string                      `json:"SigningCertURL"`
	MessageAttributes map[string]MessageAttribute `json:"MessageAttributes,omitempty"`
}

// ParseMessage reads an SNS JSON envelope. It checks the shape only (a known
// Type, a MessageId, a TopicArn, a Signature); [Verifier.Verify] checks that
// SNS sent it. A body that is not a JSON object with a Type and a Signature
// gives [ErrRawDelivery].
func ParseMessage(body []byte) (*Message, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, ErrRawDelivery
	}
	var w wireMessage
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("sns: message is not valid JSON: %w", err)
	}
	if w.Type == "" || w.Signature == "" {
		return nil, ErrRawDelivery
	}
	m := &Message{
		Type: w.Type, MessageID: w.MessageID, Token: w.Token, TopicARN: w.TopicARN,
		Message: w.Message, SubscribeURL: w.SubscribeURL, UnsubscribeURL: w.UnsubscribeURL,
		Timestamp: w.Timestamp, SignatureVersion: w.SignatureVersion, Signature: w.Signature,
		SigningCertURL: w.SigningCertURL, MessageAttributes: w.MessageAttributes,
	}
	if w.Subject != nil {
		m.Subject, m.hasSubject = *w.Subject, true
	}
	switch m.Type {
	case TypeNotification, TypeSubscriptionConfirmation, TypeUnsubscribeConfirmation:
	default:
		return nil, fmt.Errorf("sns: unknown message Type %q", clip(m.Type))
	}
	if m.MessageID == "" {
		return nil, errors.New("sns: message has no MessageId")
	}
	if m.TopicARN == "" {
		return nil, errors.New("sns: message has no TopicArn")
	}
	return m, nil
}

// MarshalJSON renders m as SNS sends it, with SNS's key names; Subject is
// written if present, even empty.
func (m *Message) MarshalJSON() ([]byte, error) {
	w := wireMessage{
		Type: m.Type, MessageID: m.MessageID, Token: m.Token, TopicARN: m.TopicARN,
		Message: m.Message, SubscribeURL: m.SubscribeURL, UnsubscribeURL: m.UnsubscribeURL,
		Timestamp: m.Timestamp, SignatureVersion: m.SignatureVersion, Signature: m.Signature,
		SigningCertURL: m.SigningCertURL, MessageAttributes: m.MessageAttributes,
	}
	if m.hasSubject {
		w.Subject = &m.Subject
	}
	return json.Marshal(w)
}

// SetSubject sets Subject and marks it present, so that it is signed even
// when empty (a parsed message keeps whether its JSON had the key).
func (m *Message) SetSubject(s string) { m.Subject, m.hasSubject = s, true }

// StringToSign returns the bytes SNS signs for m: "key\nvalue\n" for each
// signed key of m's Type, in byte order. A notification's Subject is signed
// only if present; every key of a confirmation is signed.
func (m *Message) StringToSign() ([]byte, error) {
	type kv struct{ k, v string }
	var kvs []kv
	switch m.Type {
	case TypeNotification:
		kvs = []kv{{"Message", m.Message}, {"MessageId", m.MessageID}}
		if m.hasSubject {
			kvs = append(kvs, kv{"Subject", m.Subject})
		}
		kvs = append(kvs, kv{"Timestamp", m.Timestamp}, kv{"TopicArn", m.TopicARN}, kv{"Type", m.Type})
	case TypeSubscriptionConfirmation, TypeUnsubscribeConfirmation:
		kvs = []kv{{"Message", m.Message}, {"MessageId", m.MessageID}, {"SubscribeURL", m.SubscribeURL},
			{"Timestamp", m.Timestamp}, {"Token", m.Token}, {"TopicArn", m.TopicARN}, {"Type", m.Type}}
	default:
		return nil, fmt.Errorf("sns: unknown message Type %q", clip(m.Type))
	}
	var b strings.Builder
	for _, p := range kvs {
		b.WriteString(p.k)
		b.WriteByte('\n')
		b.WriteString(p.v)
		b.WriteByte('\n')
	}
	return []byte(b.String()), nil
}

// clip shortens a hostile value for an error message.
func clip(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
