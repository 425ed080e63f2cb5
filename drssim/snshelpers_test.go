package drssim_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/sns"
)

// waitBound is how long a test waits for a message before it fails: a
// bound against hanging, not a timing assertion.
const waitBound = 30 * time.Second

// arrival is one POST the receiver answered.
type arrival struct {
	typ, id, topic, subARN string
	status                 int
}

// receiver is an sns.Handler on loopback that trusts the emulator's key
// and confirms subscriptions through the emulator.
type receiver struct {
	srv      *httptest.Server
	notes    chan *sns.Notification // verified DRS notifications, once each
	arrivals chan arrival           // every POST, after it was answered
}

// newReceiver starts a receiver for the profile clientID ("" for the
// default); fail makes every callback fail, so that the emulator retries.
func newReceiver(t *testing.T, s *drssim.Server, clientID string, fail bool) *receiver {
	t.Helper()
	if clientID == "" {
		clientID = drssim.DefaultClientID
	}
	cert, err := s.SNSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiver{notes: make(chan *sns.Notification, 256), arrivals: make(chan arrival, 256)}
	h, err := sns.NewHandler(sns.Config{
		TopicARNs: []string{s.SNSTopicARN(clientID)},
		ClientID:  clientID,
		OnNotification: func(_ context.Context, n *sns.Notification) error {
			if fail {
				return errors.New("receiver told to fail")
			}
			rc.notes <- n
			return nil
		},
		Verifier:   &sns.Verifier{Certs: sns.TrustCertificate(cert)},
		HTTPClient: s.SNSHTTPClient(),
	})
	if err != nil {
		t.Fatal(err)
	}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		rc.arrivals <- arrival{typ: r.Header.Get("x-amz-sns-message-type"), id: r.Header.Get("x-amz-sns-message-id"),
			topic: r.Header.Get("x-amz-sns-topic-arn"), subARN: r.Header.Get("x-amz-sns-subscription-arn"), status: rec.status}
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// next returns the next value on ch, failing the test if none comes within
// waitBound.
func next[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitBound):
		var zero T
		t.Fatalf("nothing arrived within %s", waitBound)
		return zero
	}
}

// subscribe subscribes rc and waits until it confirmed.
func (rc *receiver) subscribe(t *testing.T, s *drssim.Server, req drssim.SNSSubscribeRequest) drssim.SNSSubscription {
	t.Helper()
	req.Endpoint = rc.srv.URL + "/sns"
	sub, err := s.SNSSubscribe(req)
	if err != nil {
		t.Fatalf("SNSSubscribe: %v", err)
	}
	rc.confirmed(t)
	return sub
}

// confirmed waits for the SubscriptionConfirmation to be answered 200.
func (rc *receiver) confirmed(t *testing.T) {
	t.Helper()
	a := next(t, rc.arrivals)
	if a.typ != sns.TypeSubscriptionConfirmation || a.status != http.StatusOK {
		t.Fatalf("first arrival = %+v, want a SubscriptionConfirmation answered 200", a)
	}
}

// note waits for the next notification and checks its type.
func (rc *receiver) note(t *testing.T, typ string) *sns.Notification {
	t.Helper()
	n := next(t, rc.notes)
	if n.Type != typ {
		t.Fatalf("notification %s, want %s; raw %s", n.Type, typ, n.Raw)
	}
	return n
}

// settle waits until the emulator has no SNS delivery under way.
func settle(t *testing.T, s *drssim.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	if err := s.WaitSNSDeliveries(ctx); err != nil {
		t.Fatalf("WaitSNSDeliveries: %v", err)
	}
}

// httptestServer serves h on loopback for the test and returns its URL.
func httptestServer(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
