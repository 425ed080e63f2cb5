package sns

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testTopic    = "arn:aws:sns:us-east-1:123456789012:drs-notifications"
	otherTopic   = "arn:aws:sns:us-east-1:999999999999:someone-else"
	testClientID = "amzn1.application-oa2-client.test"
	testCertURL  = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem"
	testSubURL   = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=" + testTopic + "&Token=tok"
)

// testKey is an RSA key with a self-signed certificate, standing in for
// Amazon's signing certificate.
type testKey struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
	pem  []byte
}

var (
	signer      = sync.OnceValue(func() *testKey { return newTestKey("sns.amazonaws.com") })
	otherSigner = sync.OnceValue(func() *testKey { return newTestKey("sns.amazonaws.com") })
)

func newTestKey(cn string) *testKey {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: cn},
		// Wide enough for testing/synctest's clock, which starts in 2000.
		NotBefore: time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:  time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return &testKey{key: key, cert: cert, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// sign signs m with version "1" or "2", setting SignatureVersion, and
// SigningCertURL if empty.
func (k *testKey) sign(t testing.TB, m *Message, version string) *Message {
	t.Helper()
	m.SignatureVersion = version
	if m.SigningCertURL == "" {
		m.SigningCertURL = testCertURL
	}
	b, err := m.StringToSign()
	if err != nil {
		t.Fatal(err)
	}
	var sig []byte
	if version == "1" {
		d := sha1.Sum(b)
		sig, err = rsa.SignPKCS1v15(nil, k.key, crypto.SHA1, d[:])
	} else {
		d := sha256.Sum256(b)
		sig, err = rsa.SignPKCS1v15(nil, k.key, crypto.SHA256, d[:])
	}
	if err != nil {
		t.Fatal(err)
	}
	m.Signature = base64.StdEncoding.EncodeToString(sig)
	return m
}

// notification returns an unsigned SNS notification carrying drs.
func notification(id, drs string) *Message {
	return &Message{
		Type: TypeNotification, MessageID: id, TopicARN: testTopic, Message: drs,
		Timestamp:      time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		UnsubscribeURL: "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x",
	}
}

// confirmation returns an unsigned SubscriptionConfirmation.
func confirmation(id string) *Message {
	return &Message{
		Type: TypeSubscriptionConfirmation, MessageID: id, TopicARN: testTopic, Token: "tok",
		Message:      "You have chosen to subscribe to the topic " + testTopic,
		SubscribeURL: testSubURL,
		Timestamp:    time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
	}
}

// encode renders m as SNS sends it.
func encode(t testing.TB, m *Message) []byte {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// drsMessage returns a DRS notification document of type typ for client.
func drsMessage(typ, client, rest string) string {
	s := `{"notificationInfo":{"notificationType":"` + typ + `","lwaClientId":"` + client +
		`","notificationTime":"2016-12-02T21:09:58.689Z","notificationId":"amzn1.dash.notification.v1.1"},` +
		`"deviceInfo":{"deviceIdentifier":{"serialNumber":"sn-1"},"productIdentifier":{"modelId":"model-1"}},` +
		`"customerInfo":{"directedCustomerId":"amzn1.account.C"}`
	if rest != "" {
		s += "," + rest
	}
	return s + "}"
}

// countingCerts is a CertSource trusting a key and counting its calls.
type countingCerts struct {
	cert  *x509.Certificate
	calls atomic.Int32
}

func (c *countingCerts) Certificate(_ context.Context, _ string) (*x509.Certificate, error) {
	c.calls.Add(1)
	return c.cert, nil
}

// fakeSNS is an HTTPS server on loopback standing in for sns.*.amazonaws.com:
// client sends every request to it, whatever the URL's host, recording
// the URLs asked for.
type fakeSNS struct {
	srv    *httptest.Server
	client *http.Client
	mu     sync.Mutex
	urls   []string
}

func newFakeSNS(t *testing.T, h http.HandlerFunc) *fakeSNS {
	f := &fakeSNS{srv: httptest.NewTLSServer(h)}
	t.Cleanup(f.srv.Close)
	base := f.srv.Client().Transport
	f.client = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		f.mu.Lock()
		f.urls = append(f.urls, r.URL.String())
		f.mu.Unlock()
		r = r.Clone(r.Context())
		r.URL.Host = f.srv.Listener.Addr().String()
		return base.RoundTrip(r)
	})}
	return f
}

func (f *fakeSNS) requested() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.urls...)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
