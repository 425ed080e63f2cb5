package sns

import (
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"
)

func trusting() *Verifier { return &Verifier{Certs: TrustCertificate(signer().cert)} }

// signedMessages returns one signed message of each shape, in both
// signature versions, after a round trip through JSON.
func signedMessages(t *testing.T) map[string]*Message {
	t.Helper()
	out := map[string]*Message{}
	for _, v := range []string{"1", "2"} {
		withSubject := notification("n-subj", `{"a":1}`)
		withSubject.SetSubject("Order placed")
		emptySubject := notification("n-empty", `{}`)
		emptySubject.SetSubject("")
		unsub := confirmation("u-1")
		unsub.Type = TypeUnsubscribeConfirmation
		for name, m := range map[string]*Message{
			"notification":  notification("n-1", `{"notificationInfo":{}}`),
			"subject":       withSubject,
			"empty subject": emptySubject,
			"confirmation":  confirmation("c-1"),
			"unsubscribe":   unsub,
		} {
			parsed, err := ParseMessage(encode(t, signer().sign(t, m, v)))
			if err != nil {
				t.Fatalf("%s v%s: %v", name, v, err)
			}
			out[name+" v"+v] = parsed
		}
	}
	return out
}

func TestVerifySigned(t *testing.T) {
	for name, m := range signedMessages(t) {
		if err := trusting().Verify(context.Background(), m); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestVerifyRefusesTampering(t *testing.T) {
	tamper := map[string]func(m *Message){
		"Message":          func(m *Message) { m.Message += " " },
		"MessageId":        func(m *Message) { m.MessageID = "other" },
		"Timestamp":        func(m *Message) { m.Timestamp = strings.Replace(m.Timestamp, "Z", "+00:00", 1) },
		"TopicArn":         func(m *Message) { m.TopicARN = otherTopic },
		"Signature":        func(m *Message) { m.Signature = flipFirst(m.Signature) },
		"Signature base64": func(m *Message) { m.Signature = "!" + m.Signature },
		"Signature empty":  func(m *Message) { m.Signature = "" },
		"SignatureVersion": func(m *Message) { m.SignatureVersion = map[string]string{"1": "2", "2": "1"}[m.SignatureVersion] },
		"version 3":        func(m *Message) { m.SignatureVersion = "3" },
		"no version":       func(m *Message) { m.SignatureVersion = "" },
		"cert URL http":    func(m *Message) { m.SigningCertURL = strings.Replace(m.SigningCertURL, "https", "http", 1) },
		"cert URL host":    func(m *Message) { m.SigningCertURL = "https://bucket.s3.amazonaws.com/x.pem" },
		"cert URL port":    func(m *Message) { m.SigningCertURL = "https://sns.us-east-1.amazonaws.com:8443/x.pem" },
		"cert URL user":    func(m *Message) { m.SigningCertURL = "https://sns.us-east-1.amazonaws.com@evil.com/x.pem" },
	}
	notificationOnly := map[string]func(m *Message){
		"Subject": func(m *Message) { m.SetSubject(m.Subject + "x") },
		"Type":    func(m *Message) { m.Type = TypeSubscriptionConfirmation },
	}
	confirmationOnly := map[string]func(m *Message){
		"Token":        func(m *Message) { m.Token = "other" },
		"SubscribeURL": func(m *Message) { m.SubscribeURL += "x" },
		"Type": func(m *Message) {
			m.Type = map[string]string{TypeSubscriptionConfirmation: TypeUnsubscribeConfirmation,
				TypeUnsubscribeConfirmation: TypeSubscriptionConfirmation}[m.Type]
		},
	}
	for name, orig := range signedMessages(t) {
		fs := map[string]func(*Message){}
		for k, f := range tamper {
			fs[k] = f
		}
		extra := confirmationOnly
		if orig.Type == TypeNotification {
			extra = notificationOnly
		}
		for k, f := range extra {
			fs[k] = f
		}
		if orig.hasSubject {
			fs["drop Subject"] = func(m *Message) { m.Subject, m.hasSubject = "", false }
		} else if orig.Type == TypeNotification {
			fs["add Subject"] = func(m *Message) { m.SetSubject("") }
		}
		for field, f := range fs {
			m := *orig
			f(&m)
			if err := trusting().Verify(context.Background(), &m); err == nil {
				t.Errorf("%s, tampered %s: verified", name, field)
			}
		}
	}
}

func TestVerifyRefusesOtherKey(t *testing.T) {
	m := otherSigner().sign(t, notification("n-1", "{}"), "2")
	err := trusting().Verify(context.Background(), m)
	if err == nil || !strings.Contains(err.Error(), "bad signature") {
		t.Fatalf("Verify = %v, want a bad signature", err)
	}
}

func TestVerifyTimestamp(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		ts   string
		ok   bool
	}{
		{"now", "2026-12-02T12:00:00.000Z", true},
		{"an hour old", "2026-12-02T11:00:00.000Z", true},
		{"just within", "2026-12-02T10:45:00Z", true},
		{"stale", "2026-12-02T10:44:59.999Z", false},
		{"a day old", "2026-12-01T12:00:00.000Z", false},
		{"skewed", "2026-12-02T12:04:00.000Z", true},
		{"future", "2026-12-02T12:06:00.000Z", false},
		{"not a time", "yesterday", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		m := notification("n-1", "{}")
		m.Timestamp = tt.ts
		signer().sign(t, m, "1")
		v := &Verifier{Certs: TrustCertificate(signer().cert), Now: func() time.Time { return now }}
		if err := v.Verify(context.Background(), m); (err == nil) != tt.ok {
			t.Errorf("%s: Verify = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	m := notification("n-1", "{}")
	m.Timestamp = "2026-12-02T11:50:00Z"
	signer().sign(t, m, "1")
	v := &Verifier{Certs: TrustCertificate(signer().cert), Now: func() time.Time { return now }, MaxAge: 5 * time.Minute}
	if err := v.Verify(context.Background(), m); err == nil || !strings.Contains(err.Error(), "stale") {
		t.Errorf("MaxAge 5m, 10 minutes old: Verify = %v, want stale", err)
	}
}

func TestVerifyCertificateValidity(t *testing.T) {
	m := signer().sign(t, notification("n-1", "{}"), "2")
	v := &Verifier{Certs: TrustCertificate(signer().cert), Now: func() time.Time { return time.Date(2101, 1, 1, 0, 0, 0, 0, time.UTC) }, MaxAge: 1 << 62}
	m.Timestamp = "2101-01-01T00:00:00Z"
	signer().sign(t, m, "2")
	if err := v.Verify(context.Background(), m); err == nil || !strings.Contains(err.Error(), "not valid now") {
		t.Errorf("expired certificate: Verify = %v", err)
	}
}

// A SigningCertURL that fails the check never reaches the CertSource.
func TestVerifyChecksURLBeforeFetch(t *testing.T) {
	certs := &countingCerts{cert: signer().cert}
	v := &Verifier{Certs: certs}
	for _, u := range []string{"http://sns.us-east-1.amazonaws.com/x.pem", "https://attacker.example/x.pem",
		"https://sns.us-east-1.amazonaws.com.attacker.example/x.pem", "https://sns.us-east-1.amazonaws.com:444/x.pem"} {
		m := notification("n-1", "{}")
		m.SigningCertURL = u
		signer().sign(t, m, "2")
		if err := v.Verify(context.Background(), m); err == nil {
			t.Errorf("%s: verified", u)
		}
	}
	if n := certs.calls.Load(); n != 0 {
		t.Errorf("CertSource called %d times, want 0", n)
	}
}

func TestVerifyCertSourceError(t *testing.T) {
	m := signer().sign(t, notification("n-1", "{}"), "2")
	want := errors.New("boom")
	v := &Verifier{Certs: certSourceFunc(func(context.Context, string) error { return want })}
	if err := v.Verify(context.Background(), m); !errors.Is(err, want) {
		t.Errorf("Verify = %v, want %v", err, want)
	}
}

type certSourceFunc func(context.Context, string) error

func (f certSourceFunc) Certificate(ctx context.Context, u string) (*x509.Certificate, error) {
	return nil, f(ctx, u)
}

// flipFirst changes the first base64 character of s (to "A", or to "B" when
// it already is "A"), so the tampering always changes the signature.
func flipFirst(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}
