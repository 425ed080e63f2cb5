package sns

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// rig is a Handler on loopback HTTP with a fake SNS for SubscribeURLs.
type rig struct {
	srv      *httptest.Server
	sns      *fakeSNS
	certs    *countingCerts
	failures atomic.Int32 // how many more callbacks fail
	mu       sync.Mutex
	got      []string // MessageIds delivered to the callback
}

func newRig(t *testing.T) *rig {
	r := &rig{certs: &countingCerts{cert: signer().cert}}
	r.sns = newFakeSNS(t, func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.WriteString(w, "<ConfirmSubscriptionResponse/>")
	})
	h, err := NewHandler(Config{
		TopicARNs:  []string{testTopic},
		ClientID:   testClientID,
		Verifier:   &Verifier{Certs: r.certs},
		HTTPClient: r.sns.client,
		OnNotification: func(ctx context.Context, n *Notification) error {
			if r.failures.Add(-1) >= 0 {
				return errors.New("database down")
			}
			r.mu.Lock()
			r.got = append(r.got, n.MessageID)
			r.mu.Unlock()
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	r.srv = httptest.NewServer(h)
	t.Cleanup(r.srv.Close)
	return r
}

func (r *rig) post(t *testing.T, body []byte, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, r.srv.URL+"/sns", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (r *rig) delivered() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

func signedNotification(t *testing.T, id, client string) []byte {
	m := notification(id, drsMessage(OrderPlacedType, client, `"orderInfo":{"instanceId":"i-1","slotId":"s-1"}`))
	return encode(t, signer().sign(t, m, "2"))
}

func TestHandlerDeliversOnce(t *testing.T) {
	r := newRig(t)
	body := signedNotification(t, "m-1", testClientID)
	for i := range 3 {
		if code, msg := r.post(t, body, "x-amz-sns-message-type", TypeNotification, "x-amz-sns-message-id", "m-1"); code != http.StatusOK {
			t.Fatalf("delivery %d: %d %s", i, code, msg)
		}
	}
	if code, _ := r.post(t, signedNotification(t, "m-2", testClientID)); code != http.StatusOK {
		t.Fatalf("m-2: %d", code)
	}
	if diff := cmp.Diff([]string{"m-1", "m-2"}, r.delivered()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
}

func TestHandlerRetriesAfterFailure(t *testing.T) {
	r := newRig(t)
	r.failures.Store(1)
	body := signedNotification(t, "m-1", testClientID)
	code, msg := r.post(t, body)
	if code != http.StatusInternalServerError || !strings.Contains(msg, "database down") {
		t.Fatalf("failing callback: %d %q, want 500", code, msg)
	}
	if got := r.delivered(); len(got) != 0 {
		t.Fatalf("delivered %v", got)
	}
	if code, msg := r.post(t, body); code != http.StatusOK {
		t.Fatalf("retry: %d %s", code, msg)
	}
	if code, _ := r.post(t, body); code != http.StatusOK {
		t.Fatalf("duplicate: %d", code)
	}
	if diff := cmp.Diff([]string{"m-1"}, r.delivered()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
}

// Every refused message answers 4xx, reaches no callback and, unless it
// came from an accepted topic with a good URL, fetches nothing.
func TestHandlerRefuses(t *testing.T) {
	otherTopicMsg := notification("m-1", drsMessage(OrderPlacedType, testClientID, `"orderInfo":{"instanceId":"i"}`))
	otherTopicMsg.TopicARN = otherTopic
	tampered := signer().sign(t, notification("m-1", drsMessage(DeviceRegisteredType, testClientID, "")), "1")
	tampered.Message = drsMessage(DeviceDeregisteredType, testClientID, "")
	stale := notification("m-1", drsMessage(DeviceRegisteredType, testClientID, ""))
	stale.Timestamp = time.Now().Add(-3 * time.Hour).UTC().Format(time.RFC3339)
	httpCert := notification("m-1", drsMessage(DeviceRegisteredType, testClientID, ""))
	httpCert.SigningCertURL = "http://sns.us-east-1.amazonaws.com/x.pem"
	lookAlike := notification("m-1", drsMessage(DeviceRegisteredType, testClientID, ""))
	lookAlike.SigningCertURL = "https://sns.us-east-1.amazonaws.com.evil.example/x.pem"
	tests := []struct {
		name    string
		body    []byte
		header  []string
		code    int
		want    string
		fetched bool // the CertSource was asked
	}{
		{"other topic", encode(t, signer().sign(t, otherTopicMsg, "2")), nil, 403, "TopicArn", false},
		{"other client ID", signedNotification(t, "m-1", "amzn1.application-oa2-client.other"), nil, 403, "lwaClientId", true},
		{"tampered", encode(t, tampered), nil, 403, "bad signature", true},
		{"other key", encode(t, otherSigner().sign(t, notification("m-1", drsMessage(DeviceRegisteredType, testClientID, "")), "2")), nil, 403, "bad signature", true},
		{"stale", encode(t, signer().sign(t, stale, "2")), nil, 403, "stale", false},
		{"http cert URL", encode(t, signer().sign(t, httpCert, "2")), nil, 403, "https", false},
		{"look-alike cert host", encode(t, signer().sign(t, lookAlike, "1")), nil, 403, "host", false},
		{"raw delivery", []byte(drsMessage(DeviceRegisteredType, testClientID, "")), []string{"x-amz-sns-rawdelivery", "true"}, 400, "raw message delivery", false},
		{"raw delivery, no header", []byte(drsMessage(DeviceRegisteredType, testClientID, "")), nil, 400, "raw message delivery", false},
		{"raw text", []byte("hello"), nil, 400, "raw message delivery", false},
		{"header type mismatch", signedNotification(t, "m-1", testClientID), []string{"x-amz-sns-message-type", TypeSubscriptionConfirmation}, 400, "x-amz-sns-message-type", false},
		{"not JSON", []byte("{nope"), nil, 400, "JSON", false},
		{"unknown type", []byte(`{"Type":"Other","MessageId":"m","TopicArn":"` + testTopic + `","Signature":"x"}`), nil, 400, "Type", false},
		{"too large", append([]byte(`{"Type":"`), bytes.Repeat([]byte("x"), MaxBodyBytes)...), nil, 413, "over", false},
		{"unreadable DRS message", encode(t, signer().sign(t, notification("m-1", "{"), "2")), nil, 400, "not JSON", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			code, msg := r.post(t, tt.body, tt.header...)
			if code != tt.code || !strings.Contains(msg, tt.want) {
				t.Errorf("answer %d %q, want %d with %q", code, msg, tt.code, tt.want)
			}
			if got := r.delivered(); len(got) != 0 {
				t.Errorf("delivered %v", got)
			}
			if fetched := r.certs.calls.Load() > 0; fetched != tt.fetched {
				t.Errorf("certificate asked for: %v, want %v", fetched, tt.fetched)
			}
			if got := r.sns.requested(); len(got) != 0 {
				t.Errorf("fetched %v", got)
			}
		})
	}
}

func TestHandlerMethod(t *testing.T) {
	r := newRig(t)
	resp, err := http.Get(r.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: %d Allow=%q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestHandlerConfirmsSubscription(t *testing.T) {
	for _, version := range []string{"1", "2"} {
		r := newRig(t)
		code, msg := r.post(t, encode(t, signer().sign(t, confirmation("c-1"), version)))
		if code != http.StatusOK {
			t.Fatalf("v%s: %d %s", version, code, msg)
		}
		if diff := cmp.Diff([]string{testSubURL}, r.sns.requested()); diff != "" {
			t.Errorf("v%s: GETs (-want +got):\n%s", version, diff)
		}
	}
}

func TestHandlerRefusesConfirmation(t *testing.T) {
	foreign := confirmation("c-1")
	foreign.TopicARN = otherTopic
	badHost := confirmation("c-1")
	badHost.SubscribeURL = "https://attacker.example/?Action=ConfirmSubscription"
	userinfo := confirmation("c-1")
	userinfo.SubscribeURL = "https://sns.us-east-1.amazonaws.com@127.0.0.1/?Action=ConfirmSubscription"
	plain := confirmation("c-1")
	plain.SubscribeURL = "http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"
	tampered := signer().sign(t, confirmation("c-1"), "2")
	tampered.SubscribeURL = "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=other"
	tests := []struct {
		name string
		body []byte
		want string
	}{
		{"other topic", encode(t, signer().sign(t, foreign, "2")), "TopicArn"},
		{"SubscribeURL host", encode(t, signer().sign(t, badHost, "2")), "SubscribeURL"},
		{"SubscribeURL user info", encode(t, signer().sign(t, userinfo, "1")), "SubscribeURL"},
		{"SubscribeURL http", encode(t, signer().sign(t, plain, "1")), "SubscribeURL"},
		{"tampered SubscribeURL", encode(t, tampered), "bad signature"},
		{"other key", encode(t, otherSigner().sign(t, confirmation("c-1"), "2")), "bad signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			code, msg := r.post(t, tt.body)
			if code != http.StatusForbidden || !strings.Contains(msg, tt.want) {
				t.Errorf("answer %d %q, want 403 with %q", code, msg, tt.want)
			}
			if got := r.sns.requested(); len(got) != 0 {
				t.Errorf("fetched %v", got)
			}
		})
	}
}

func TestHandlerConfirmationRefusedBySNS(t *testing.T) {
	r := newRig(t)
	r.sns.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "<Error/>", http.StatusForbidden)
	})
	code, msg := r.post(t, encode(t, signer().sign(t, confirmation("c-1"), "2")))
	if code != http.StatusBadGateway || !strings.Contains(msg, "403") {
		t.Errorf("answer %d %q, want 502 naming SNS's 403", code, msg)
	}
}

func TestHandlerUnsubscribeConfirmation(t *testing.T) {
	r := newRig(t)
	m := confirmation("u-1")
	m.Type = TypeUnsubscribeConfirmation
	if code, msg := r.post(t, encode(t, signer().sign(t, m, "2"))); code != http.StatusOK {
		t.Errorf("answer %d %s", code, msg)
	}
	if got := r.sns.requested(); len(got) != 0 {
		t.Errorf("fetched %v: an unsubscription must not resubscribe", got)
	}
}

func TestHandlerCertUnavailable(t *testing.T) {
	f := newFakeSNS(t, func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "", http.StatusInternalServerError) })
	h, err := NewHandler(Config{TopicARNs: []string{testTopic}, ClientID: testClientID,
		Verifier:       &Verifier{Certs: NewAmazonCerts(f.client)},
		OnNotification: func(context.Context, *Notification) error { t.Error("callback called"); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Post(srv.URL, "text/plain", bytes.NewReader(signedNotification(t, "m-1", testClientID)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503 so that SNS retries", resp.StatusCode)
	}
}

// A callback that outlives the deadline answers 500 and is not marked
// seen, so the retry is delivered.
func TestHandlerCallbackTimeout(t *testing.T) {
	signer()
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		h, err := NewHandler(Config{
			TopicARNs: []string{testTopic}, ClientID: testClientID,
			Verifier: &Verifier{Certs: TrustCertificate(signer().cert)},
			OnNotification: func(ctx context.Context, n *Notification) error {
				if calls.Add(1) == 1 {
					<-ctx.Done()
					return nil // ignores the deadline's error: still a timeout
				}
				return nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		body := signedNotification(t, "m-1", testClientID)
		start := time.Now()
		for i, want := range []int{500, 200, 200} {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body)))
			if w.Code != want {
				t.Errorf("delivery %d: %d %s, want %d", i, w.Code, w.Body, want)
			}
		}
		if d := time.Since(start); d != DefaultTimeout {
			t.Errorf("took %s, want the default timeout %s", d, DefaultTimeout)
		}
		if n := calls.Load(); n != 2 {
			t.Errorf("callback called %d times, want 2", n)
		}
	})
}

func TestNewHandlerValidates(t *testing.T) {
	ok := func(context.Context, *Notification) error { return nil }
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no topics", Config{ClientID: "c", OnNotification: ok}, "TopicARNs"},
		{"empty topic", Config{TopicARNs: []string{""}, ClientID: "c", OnNotification: ok}, "TopicARNs"},
		{"no client", Config{TopicARNs: []string{testTopic}, OnNotification: ok}, "ClientID"},
		{"no callback", Config{TopicARNs: []string{testTopic}, ClientID: "c"}, "OnNotification"},
		{"timeout", Config{TopicARNs: []string{testTopic}, ClientID: "c", OnNotification: ok, Timeout: 15 * time.Second}, "Timeout"},
	}
	for _, tt := range tests {
		if _, err := NewHandler(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one naming %s", tt.name, err, tt.want)
		}
	}
}

// A retry arriving while the first delivery's callback runs is answered
// 500 and does not run the callback a second time.
func TestHandlerInFlight(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	h, err := NewHandler(Config{
		TopicARNs: []string{testTopic}, ClientID: testClientID,
		Verifier: &Verifier{Certs: TrustCertificate(signer().cert)},
		OnNotification: func(ctx context.Context, n *Notification) error {
			if calls.Add(1) == 1 {
				close(started)
				<-release
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	body := signedNotification(t, "m-1", testClientID)
	post := func() int {
		resp, err := http.Post(srv.URL, "text/plain", bytes.NewReader(body))
		if err != nil {
			t.Error(err)
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	first := make(chan int)
	go func() { first <- post() }()
	<-started
	if code := post(); code != http.StatusInternalServerError {
		t.Errorf("concurrent retry: %d, want 500", code)
	}
	close(release)
	if code := <-first; code != http.StatusOK {
		t.Errorf("first delivery: %d", code)
	}
	if code := post(); code != http.StatusOK {
		t.Errorf("later retry: %d", code)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("callback called %d times, want 1", n)
	}
}
