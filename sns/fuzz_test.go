package sns

import (
	"context"
	"net/url"
	"testing"
	"time"
)

// FuzzVerify feeds arbitrary bodies to ParseMessage and Verifier.Verify:
// no panic, and whatever verifies is a message the test key signed (the
// seeds) with a SigningCertURL on an SNS host.
func FuzzVerify(f *testing.F) {
	signed := map[string]bool{}
	for _, v := range []string{"1", "2"} {
		for _, m := range []*Message{notification("n-1", orderPlacedV2), confirmation("c-1")} {
			m.Timestamp = "2026-12-02T12:00:00.000Z"
			b := encode(f, signer().sign(f, m, v))
			f.Add(b)
			toSign, _ := m.StringToSign()
			signed[string(toSign)+m.SignatureVersion] = true
		}
	}
	f.Add([]byte(`{"Type":"Notification","MessageId":"m","TopicArn":"t","Signature":"AAAA","SignatureVersion":"1","SigningCertURL":"https://sns.us-east-1.amazonaws.com@evil/x.pem","Timestamp":"2026-12-02T12:00:00Z"}`))
	f.Add([]byte(`{"Type":"SubscriptionConfirmation","Subject":null,"MessageAttributes":{"version":{"Type":"String","Value":"2.0"}}}`))
	f.Add([]byte("hello"))
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	v := &Verifier{Certs: TrustCertificate(signer().cert), Now: func() time.Time { return now }}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := ParseMessage(body)
		if err != nil {
			return
		}
		if err := v.Verify(context.Background(), m); err != nil {
			return
		}
		toSign, _ := m.StringToSign()
		if !signed[string(toSign)+m.SignatureVersion] {
			t.Fatalf("verified a message the test key never signed: %q", toSign)
		}
		u, err := url.Parse(m.SigningCertURL)
		if err != nil || u.Scheme != "https" || u.User != nil || u.Port() != "" || !IsSNSHost(u.Hostname()) {
			t.Fatalf("verified with SigningCertURL %q", m.SigningCertURL)
		}
	})
}

// FuzzParseNotification feeds arbitrary DRS documents to
// ParseNotification: no panic, and a result always has a type and an event
// of that type.
func FuzzParseNotification(f *testing.F) {
	f.Add(orderPlacedV2, "2.0")
	f.Add(drsMessage(SubscriptionChangedType, "c", `"subscriptionInfo":{"slotsSubscriptionStatus":{"s":true,"t":{"subscribed":true,"productInfoList":[{"quantity":"1"}]}}}`), "1.0")
	f.Add(drsMessage(ItemShippedType, "c", `"orderInfo":{"instanceId":"i","productInfo":[{"quantity":1e400}],}`), "")
	f.Add(drsMessage(DeviceDeregisteredType, "c", `"x":"\",}"`), "2.0")
	f.Fuzz(func(t *testing.T, msg, version string) {
		m := &Message{Type: TypeNotification, MessageID: "m", TopicARN: testTopic, Message: msg,
			MessageAttributes: map[string]MessageAttribute{"version": {Type: "String", Value: version}}}
		n, err := ParseNotification(m)
		if err != nil {
			return
		}
		if n.Type == "" || n.Event == nil || n.Event.eventType() != n.Type {
			t.Fatalf("Type %q with Event %T", n.Type, n.Event)
		}
		if string(n.Raw) != msg {
			t.Fatal("Raw differs from the message")
		}
	})
}
