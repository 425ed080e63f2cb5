package sns_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/amazondrs/drs/sns"
)

const (
	topic    = "arn:aws:sns:us-east-1:123456789012:drs"
	clientID = "amzn1.application-oa2-client.example"
)

// A receiver of DRS notifications: the Handler confirms the subscription,
// verifies every message and calls OnNotification once per MessageId.
func ExampleNewHandler() {
	key, cert := exampleKey()
	h, err := sns.NewHandler(sns.Config{
		TopicARNs: []string{topic},
		ClientID:  clientID,
		// In production leave Verifier nil: Amazon's certificates are
		// fetched. Here (and against the emulator) one is trusted.
		Verifier: &sns.Verifier{Certs: sns.TrustCertificate(cert)},
		OnNotification: func(ctx context.Context, n *sns.Notification) error {
			if e, ok := n.Event.(*sns.OrderPlaced); ok {
				fmt.Println("order", e.Order.InstanceID, "for slot", e.Order.SlotID, "of", n.SerialNumber)
			}
			return nil
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	drs := `{"notificationInfo":{"notificationType":"OrderPlacedNotification","lwaClientId":"` + clientID +
		`","notificationTime":"2026-12-02T12:00:00Z"},"deviceInfo":{"deviceIdentifier":{"serialNumber":"sn-1"}},` +
		`"orderInfo":{"instanceId":"amzn1.dash.v2.o.1","slotId":"coffee"}}`
	body := exampleSign(key, drs)
	for range 2 { // SNS may deliver a message twice: it is reported once
		resp, err := http.Post(srv.URL, "text/plain; charset=UTF-8", strings.NewReader(body))
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(resp.Status)
	}
	// Output:
	// order amzn1.dash.v2.o.1 for slot coffee of sn-1
	// 200 OK
	// 200 OK
}

// Verify a message by hand, without a Handler.
func ExampleVerifier_Verify() {
	key, cert := exampleKey()
	v := &sns.Verifier{Certs: sns.TrustCertificate(cert)}
	m, err := sns.ParseMessage([]byte(exampleSign(key, `{"hello":"world"}`)))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.Verify(context.Background(), m))
	m.Message = `{"hello":"mallory"}`
	fmt.Println(v.Verify(context.Background(), m))
	// Output:
	// <nil>
	// sns: bad signature
}

// Read a DRS notification, version 2, from a verified SNS message.
func ExampleParseNotification() {
	m := &sns.Message{
		Type: sns.TypeNotification, MessageID: "m-1", TopicARN: topic,
		MessageAttributes: map[string]sns.MessageAttribute{"version": {Type: "String", Value: "2.0"}},
		Message: `{"notificationInfo":{"notificationType":"SubscriptionChangedNotification",` +
			`"notificationTime":"2026-12-02T12:00:00Z"},"subscriptionInfo":{"slotsSubscriptionStatus":` +
			`{"coffee":{"subscribed":true,"productInfoList":[{"quantity":1.0,"unit":"count","asin":"B000"}]},}}}`,
	}
	n, err := sns.ParseNotification(m)
	if err != nil {
		log.Fatal(err)
	}
	s := n.Event.(*sns.SubscriptionChanged)
	fmt.Println(n.Type, n.Version, s.Slots["coffee"].Subscribed, s.Slots["coffee"].Products[0].ASIN)
	// Output:
	// SubscriptionChangedNotification 2.0 true B000
}

// exampleKey makes a key and a self-signed certificate standing in for
// Amazon's.
func exampleKey() (*rsa.PrivateKey, *x509.Certificate) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sns.amazonaws.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		log.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		log.Fatal(err)
	}
	return key, cert
}

// exampleSign returns the JSON of an SNS notification carrying msg,
// signed with key as SNS signs (SignatureVersion 2).
func exampleSign(key *rsa.PrivateKey, msg string) string {
	m := &sns.Message{
		Type: sns.TypeNotification, MessageID: "8b1c4d3e-0000-4000-8000-000000000001", TopicARN: topic, Message: msg,
		Timestamp:        time.Now().UTC().Format(time.RFC3339Nano),
		SignatureVersion: "2",
		SigningCertURL:   "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-example.pem",
	}
	toSign, err := m.StringToSign()
	if err != nil {
		log.Fatal(err)
	}
	digest := sha256.Sum256(toSign)
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:])
	if err != nil {
		log.Fatal(err)
	}
	m.Signature = base64.StdEncoding.EncodeToString(sig)
	b, err := json.Marshal(m) // with SNS's key names
	if err != nil {
		log.Fatal(err)
	}
	return string(b)
}
