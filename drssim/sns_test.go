package drssim_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/sns"
	"github.com/google/go-cmp/cmp"
)

func TestSNSNotifications(t *testing.T) {
	t.Parallel()
	for _, v := range []struct{ sig, msg string }{{"1", "1"}, {"1", "2"}, {"2", "1"}, {"2", "2"}} {
		t.Run("signature "+v.sig+" message "+v.msg, func(t *testing.T) {
			t.Parallel()
			start := time.Date(2020, 2, 3, 4, 5, 6, 0, time.UTC)
			e := newEnv(t, drssim.Config{}, drssim.WithClock(start))
			rc := newReceiver(t, e.s, "", false)

			r := e.postJSON("/_emulator/sns/subscriptions", fmt.Sprintf(`{"endpoint":%q,"signature_version":%q,"message_version":%q}`, rc.srv.URL+"/sns", v.sig, v.msg))
			wantStatus(t, r, http.StatusCreated)
			var sub drssim.SNSSubscription
			decode(t, r, &sub)
			topic := e.s.SNSTopicARN("")
			if sub.State != drssim.SNSPending || sub.TopicARN != topic || !strings.HasPrefix(sub.SubscriptionARN, topic+":") ||
				sub.SignatureVersion != v.sig || sub.MessageVersion != v.msg || sub.ClientID != drssim.DefaultClientID {
				t.Errorf("subscription = %+v", sub)
			}
			rc.confirmed(t)
			var subs []drssim.SNSSubscription
			decode(t, e.get("/_emulator/sns/subscriptions"), &subs)
			if len(subs) != 1 || subs[0].State != drssim.SNSConfirmed || subs[0].SubscriptionARN != sub.SubscriptionARN {
				t.Fatalf("subscriptions = %+v", subs)
			}

			// Link: DeviceRegistered, then SubscriptionChanged with the choices.
			wantStatus(t, e.postJSON("/_emulator/devices", `{"serial":"SN-sns","products":{"water-filter":"B00DRSSIM4"}}`), http.StatusCreated)
			tok := e.link(drssim.LinkRequest{Serial: "SN-sns", Products: map[string]string{"water-filter": "B00DRSSIM4"}}).AccessToken
			reg := rc.note(t, sns.DeviceRegisteredType)
			if reg.SerialNumber != "SN-sns" || reg.ModelID != drssim.DefaultModel || reg.ClientID != drssim.DefaultClientID ||
				!strings.HasPrefix(reg.CustomerID, "amzn1.account.") || !strings.HasPrefix(reg.ID, "amzn1.dash.notification.v1.") {
				t.Errorf("DeviceRegistered = %+v", reg)
			}
			wantVersion := map[string]string{"1": "1.0", "2": "2.0"}[v.msg]
			if reg.Version != wantVersion {
				t.Errorf("Version = %q, want %q", reg.Version, wantVersion)
			}
			wantSlots := map[string]sns.SlotStatus{"coffee-beans": {Subscribed: true}, "water-filter": {Subscribed: true}}
			if v.msg == "2" {
				wantSlots = map[string]sns.SlotStatus{
					"coffee-beans": {Subscribed: true, Products: []sns.Product{{ASIN: "B00DRSSIM1", Quantity: 12, Unit: "ounce"}}},
					"water-filter": {Subscribed: true, Products: []sns.Product{{ASIN: "B00DRSSIM4", Quantity: 6, Unit: "count"}}},
				}
			}
			sc := rc.note(t, sns.SubscriptionChangedType)
			if diff := cmp.Diff(wantSlots, sc.Event.(*sns.SubscriptionChanged).Slots); diff != "" {
				t.Errorf("SubscriptionChanged (-want +got):\n%s", diff)
			}
			// The second link (tokens for the test) says the same again.
			rc.note(t, sns.DeviceRegisteredType)
			rc.note(t, sns.SubscriptionChangedType)

			// Replenish: OrderPlaced with the same eventInstanceId, dated on
			// the emulator clock (2020) yet verified on the wall clock.
			before := e.s.Now()
			_, body := e.replenish(tok, "coffee-beans")
			id, _ := body["eventInstanceId"].(string)
			placed := rc.note(t, sns.OrderPlacedType)
			o := placed.Event.(*sns.OrderPlaced).Order
			if o.InstanceID != id || o.SlotID != "coffee-beans" || len(o.Products) != 1 || o.Products[0].Quantity != 12 || o.Products[0].Unit != "ounce" {
				t.Errorf("OrderPlaced = %+v, want instance %s", o, id)
			}
			if placed.Time.Before(before.Truncate(time.Millisecond)) || placed.Time.After(e.s.Now()) || placed.Time.Year() != 2020 {
				t.Errorf("notificationTime = %s, want the emulator clock (%s)", placed.Time, before)
			}
			eta := before.Add(48 * time.Hour)
			if v.msg == "2" {
				if o.Products[0].ASIN != "B00DRSSIM1" || o.Products[0].EstimatedDelivery.Sub(eta).Abs() > time.Minute || !o.EstimatedDelivery.IsZero() {
					t.Errorf("v2 order = %+v", o)
				}
			} else if o.Products[0].ASIN != "" || o.EstimatedDelivery.Sub(eta).Abs() > time.Minute {
				t.Errorf("v1 order = %+v", o)
			}

			// Ship it: ItemShipped; a shipped order cannot be cancelled.
			r = e.postJSON("/_emulator/orders/"+id+"/ship", "")
			wantStatus(t, r, http.StatusOK)
			var shipped drssim.Order
			decode(t, r, &shipped)
			if shipped.Shipped.IsZero() || shipped.Status != drssim.OrderProcessing {
				t.Errorf("shipped order = %+v", shipped)
			}
			if got := rc.note(t, sns.ItemShippedType).Event.(*sns.ItemShipped).Order.InstanceID; got != id {
				t.Errorf("ItemShipped for %s, want %s", got, id)
			}
			wantStatus(t, e.postJSON("/_emulator/orders/"+id+"/cancel", ""), http.StatusConflict)
			wantStatus(t, e.postJSON("/_emulator/orders/"+id+"/ship", ""), http.StatusConflict)

			// The customer cancels another order: OrderCancelled.
			_, body = e.replenish(tok, "water-filter")
			id2, _ := body["eventInstanceId"].(string)
			rc.note(t, sns.OrderPlacedType)
			wantStatus(t, e.postJSON("/_emulator/orders/"+id2+"/cancel", ""), http.StatusOK)
			if got := rc.note(t, sns.OrderCancelledType).Event.(*sns.OrderCancelled).Order; got.InstanceID != id2 || got.SlotID != "water-filter" {
				t.Errorf("OrderCancelled = %+v, want %s", got, id2)
			}

			// The customer changes a product and drops a slot.
			wantStatus(t, e.postJSON("/_emulator/devices/CoffeeMaker01/SN-sns/slots/coffee-beans", `{"asin":"B00DRSSIM2"}`), http.StatusOK)
			got := rc.note(t, sns.SubscriptionChangedType).Event.(*sns.SubscriptionChanged).Slots["coffee-beans"]
			if !got.Subscribed || v.msg == "2" && got.Products[0].ASIN != "B00DRSSIM2" {
				t.Errorf("coffee-beans = %+v, want B00DRSSIM2", got)
			}
			wantStatus(t, e.postJSON("/_emulator/devices/CoffeeMaker01/SN-sns/slots/water-filter", `{"unsubscribe":true}`), http.StatusOK)
			if got := rc.note(t, sns.SubscriptionChangedType).Event.(*sns.SubscriptionChanged).Slots["water-filter"]; got.Subscribed {
				t.Errorf("water-filter = %+v, want unsubscribed", got)
			}
			wantMessage(t, e.drs(http.MethodPost, "/replenish/water-filter", tok, "replenish", ""), http.StatusBadRequest, "No product", "Validation")

			// Amazon deregisters the device: DeviceDeregistered, tokens revoked.
			wantStatus(t, e.postJSON("/_emulator/devices/CoffeeMaker01/SN-sns/deregister", ""), http.StatusOK)
			rc.note(t, sns.DeviceDeregisteredType)
			wantMessage(t, e.drs(http.MethodPost, "/replenish/coffee-beans", tok, "replenish", ""), http.StatusBadRequest, "Invalid token", "InvalidToken")

			// Every POST carried SNS's headers; the log shows each delivered.
			n := 0
			for len(rc.arrivals) > 0 {
				a := <-rc.arrivals
				n++
				if a.typ != sns.TypeNotification || a.topic != topic || a.subARN != sub.SubscriptionARN || a.id == "" || a.status != http.StatusOK {
					t.Errorf("arrival = %+v", a)
				}
			}
			settle(t, e.s)
			var log []drssim.SNSDelivery
			decode(t, e.get("/_emulator/sns/deliveries"), &log)
			if len(log) != n+1 || log[0].Type != sns.TypeSubscriptionConfirmation {
				t.Fatalf("delivery log has %d entries, want %d: %+v", len(log), n+1, log)
			}
			for _, d := range log {
				if d.Outcome != drssim.SNSDelivered || d.Status != http.StatusOK || d.Attempt != 1 || d.Endpoint != rc.srv.URL+"/sns" {
					t.Errorf("delivery = %+v", d)
				}
			}
		})
	}
}

// TestSNSTopicPerProfile checks that a subscription hears only its own
// security profile's devices.
func TestSNSTopicPerProfile(t *testing.T) {
	t.Parallel()
	cfg := drssim.DefaultConfig()
	other := cfg.Profiles[0]
	other.ClientID, other.ClientSecret = "amzn1.application-oa2-client.other", "other-secret"
	cfg.Profiles = append(cfg.Profiles, other)
	e := newEnv(t, cfg)
	if a, b := e.s.SNSTopicARN(""), e.s.SNSTopicARN(other.ClientID); a == b || a != e.s.SNSTopicARN(drssim.DefaultClientID) || b == "" {
		t.Fatalf("topics %q and %q", a, b)
	}
	rc := newReceiver(t, e.s, other.ClientID, false)
	rc.subscribe(t, e.s, drssim.SNSSubscribeRequest{ClientID: other.ClientID})
	e.link(drssim.LinkRequest{Serial: "SN-first"})
	e.link(drssim.LinkRequest{ClientID: other.ClientID, Serial: "SN-other"})
	if n := rc.note(t, sns.DeviceRegisteredType); n.SerialNumber != "SN-other" || n.ClientID != other.ClientID {
		t.Errorf("first notification is for %s of %s, want SN-other", n.SerialNumber, n.ClientID)
	}
}

func TestSNSControlPlaneErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	e.link(drssim.LinkRequest{Serial: "SN-e"})
	for _, tt := range []struct {
		path, body string
		status     int
		want       string
	}{
		{"/_emulator/sns/subscriptions", `{}`, 400, "endpoint: required"},
		{"/_emulator/sns/subscriptions", `{"endpoint":"ftp://x/"}`, 400, "not an http or https URL"},
		{"/_emulator/sns/subscriptions", `{"endpoint":"http://u:p@127.0.0.1/"}`, 400, "user info"},
		{"/_emulator/sns/subscriptions", `{"endpoint":"http://127.0.0.1/","signature_version":"3"}`, 400, "signature_version"},
		{"/_emulator/sns/subscriptions", `{"endpoint":"http://127.0.0.1/","message_version":"2.0"}`, 400, "message_version"},
		{"/_emulator/sns/subscriptions", `{"endpoint":"http://127.0.0.1/","client_id":"nope"}`, 400, "client_id"},
		{"/_emulator/sns/subscriptions", `{"endpoint":"http://127.0.0.1/","colour":1}`, 400, "unknown field"},
		{"/_emulator/sns/faults", `{}`, 400, "exactly one"},
		{"/_emulator/sns/faults", `{"duplicate":true,"delay":"1s"}`, 400, "exactly one"},
		{"/_emulator/sns/faults", `{"delay":"soon"}`, 400, "Go duration"},
		{"/_emulator/sns/faults", `{"delay":"2h"}`, 400, "delay"},
		{"/_emulator/orders/nope/ship", ``, 404, "no order"},
		{"/_emulator/orders/nope/cancel", ``, 404, "no order"},
		{"/_emulator/devices/CoffeeMaker01/nope/deregister", ``, 404, "no device"},
		{"/_emulator/devices/CoffeeMaker01/SN-e/slots/nope", `{}`, 404, "no slot"},
		{"/_emulator/devices/CoffeeMaker01/SN-e/slots/coffee-beans", `{"asin":"B00DRSSIM3"}`, 400, "not offered"},
		{"/_emulator/devices/CoffeeMaker01/SN-e/slots/coffee-beans", `{"asin":"B00DRSSIM1","unsubscribe":true}`, 400, "not both"},
		{"/_emulator/devices/CoffeeMaker01/SN-e/slots/coffee-beans?client_id=nope", `{}`, 404, "no device"},
	} {
		wantMessage(t, e.postJSON(tt.path, tt.body), tt.status, tt.want, "")
	}
	wantStatus(t, e.postJSON("/_emulator/devices/CoffeeMaker01/SN-e/deregister", ""), http.StatusOK)
	wantMessage(t, e.postJSON("/_emulator/devices/CoffeeMaker01/SN-e/deregister", ""), http.StatusConflict, "not registered", "")

	for path, status := range map[string]int{
		"/_emulator/sns/confirm?Action=ConfirmSubscription&TopicArn=x&Token=y": 404,
		"/_emulator/sns/confirm?Action=Subscribe":                              400,
		"/_emulator/sns/unsubscribe?Action=Unsubscribe&SubscriptionArn=x":      404,
		"/_emulator/sns/certs/SimpleNotificationService-nope.pem":              404,
	} {
		wantStatus(t, e.get(path), status)
	}
	cert, err := e.s.SNSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	r := e.get("/_emulator/sns/certificate")
	wantStatus(t, r, http.StatusOK)
	got, err := sns.ParseCertificatePEM(r.body)
	if err != nil || !got.Equal(cert) {
		t.Fatalf("served certificate differs from SNSCertificate: %v", err)
	}
	var faults []drssim.SNSFault
	wantStatus(t, e.postJSON("/_emulator/sns/faults", `{"delay":"1s","count":2}`), http.StatusCreated)
	decode(t, e.get("/_emulator/sns/faults"), &faults)
	if diff := cmp.Diff([]drssim.SNSFault{{Delay: time.Second, Count: 2}}, faults); diff != "" {
		t.Errorf("faults (-want +got):\n%s", diff)
	}
	r = e.do(e.request(http.MethodDelete, "/_emulator/sns/faults", nil))
	if !strings.Contains(string(r.body), `"cleared":1`) {
		t.Errorf("DELETE faults = %s", r.body)
	}
	if _, err := e.s.SNSHTTPClient().Get("https://example.com/"); err == nil || !strings.Contains(err.Error(), "only requests for sns.") {
		t.Errorf("SNSHTTPClient reached a non-SNS host: %v", err)
	}
}

// TestSNSUnsubscribe follows a notification's UnsubscribeURL.
func TestSNSUnsubscribe(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	rc := newReceiver(t, e.s, "", false)
	sub := rc.subscribe(t, e.s, drssim.SNSSubscribeRequest{})
	u := "https://sns.us-east-1.amazonaws.com/_emulator/sns/unsubscribe?" +
		url.Values{"Action": {"Unsubscribe"}, "SubscriptionArn": {sub.SubscriptionARN}}.Encode()
	resp, err := e.s.SNSHTTPClient().Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("unsubscribe: %s", resp.Status)
	}
	if a := next(t, rc.arrivals); a.typ != sns.TypeUnsubscribeConfirmation || a.status != http.StatusOK {
		t.Errorf("arrival = %+v, want an UnsubscribeConfirmation", a)
	}
	if s := e.s.SNSSubscriptions(); len(s) != 1 || s[0].State != drssim.SNSUnsubscribed {
		t.Errorf("subscriptions = %+v", s)
	}
}

func TestSNSConfig(t *testing.T) {
	t.Parallel()
	var c drssim.Config
	if err := json.Unmarshal([]byte(`{"sns":{"region":"eu-west-1","account":"000000000001","retries":5,"retry_delay":"2s"}}`), &c); err != nil {
		t.Fatal(err)
	}
	want := drssim.SNSConfig{Region: "eu-west-1", Account: "000000000001", Retries: 5, RetryDelay: 2 * time.Second}
	if diff := cmp.Diff(want, c.SNS); diff != "" {
		t.Errorf("SNSConfig (-want +got):\n%s", diff)
	}
	s, err := drssim.New(c)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.SNSTopicARN(""); got != "arn:aws:sns:eu-west-1:000000000001:drs-amzn1-application-oa2-client-drssim00000000000000000000000000" {
		t.Errorf("topic = %s", got)
	}
	b, _ := json.Marshal(s.Config().SNS)
	if string(b) != `{"region":"eu-west-1","account":"000000000001","retries":5,"retry_delay":"2s"}` {
		t.Errorf("config JSON = %s", b)
	}
	for _, tt := range []struct{ json, want string }{
		{`{"sns":{"region":"x"}}`, "sns.region"},
		{`{"sns":{"account":"12"}}`, "sns.account"},
		{`{"sns":{"retries":1000}}`, "sns.retries"},
		{`{"sns":{"retry_delay":"2h"}}`, "sns.retry_delay"},
		{`{"sns":{"retry_delay":"x"}}`, "retry_delay"},
		{`{"sns":{"colour":"x"}}`, "colour"},
	} {
		var c drssim.Config
		err := json.Unmarshal([]byte(tt.json), &c)
		if err == nil {
			_, err = drssim.New(c)
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to name %s", tt.json, err, tt.want)
		}
	}
}

func TestSNSSigningKeyOption(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	s, err := drssim.New(drssim.Config{}, drssim.WithSNSSigningKey(key))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := s.SNSCertificate()
	if err != nil || !key.PublicKey.Equal(cert.PublicKey) {
		t.Fatalf("certificate is not for the given key: %v", err)
	}
	shared, _ := drssim.New(drssim.Config{})
	other, _ := drssim.New(drssim.Config{})
	c1, _ := shared.SNSCertificate()
	c2, _ := other.SNSCertificate()
	if c1 == nil || !c1.Equal(c2) || c1.Equal(cert) {
		t.Errorf("Servers without a key do not share one process key")
	}
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	if _, err := drssim.New(drssim.Config{}, drssim.WithSNSSigningKey(small)); err == nil || !strings.Contains(err.Error(), "2048") {
		t.Errorf("1024-bit key: err = %v", err)
	}
}
