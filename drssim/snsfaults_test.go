package drssim_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/internal/testutil"
	"github.com/amazondrs/drs/sns"
)

// syncBuffer is a buffer safe for concurrent writes and reads.
type syncBuffer = testutil.SyncBuffer

func TestSNSFaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	tok := e.link(drssim.LinkRequest{Serial: "SN-f", TestDevice: true}).AccessToken
	rc := newReceiver(t, e.s, "", false)
	rc.subscribe(t, e.s, drssim.SNSSubscribeRequest{})

	// Duplicate: two POSTs of one MessageId, one notification.
	wantStatus(t, e.postJSON("/_emulator/sns/faults", `{"duplicate":true}`), http.StatusCreated)
	_, body := e.replenish(tok, "coffee-beans")
	n := rc.note(t, sns.OrderPlacedType)
	if n.Event.(*sns.OrderPlaced).Order.InstanceID != body["eventInstanceId"] {
		t.Errorf("OrderPlaced for another order")
	}
	a1, a2 := next(t, rc.arrivals), next(t, rc.arrivals)
	if a1.id != n.MessageID || a2.id != n.MessageID || a1.status != http.StatusOK || a2.status != http.StatusOK {
		t.Errorf("arrivals %+v and %+v, want two of %s answered 200", a1, a2, n.MessageID)
	}
	if len(rc.notes) != 0 {
		t.Errorf("the duplicate was reported again: %+v", <-rc.notes)
	}

	// Out of order: the held notification comes after the next one.
	if err := e.s.InjectSNSFault(drssim.SNSFault{OutOfOrder: true}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.drs(http.MethodDelete, "/testOrders", tok, "cancel", ""), http.StatusOK)
	_, body = e.replenish(tok, "coffee-beans")
	placed := rc.note(t, sns.OrderPlacedType)
	cancelled := rc.note(t, sns.OrderCancelledType)
	if placed.Event.(*sns.OrderPlaced).Order.InstanceID != body["eventInstanceId"] || placed.Time.Before(cancelled.Time) {
		t.Errorf("OrderPlaced at %s arrived before OrderCancelled at %s", placed.Time, cancelled.Time)
	}

	// Delay: delivered, later, and the log says why.
	if err := e.s.InjectSNSFault(drssim.SNSFault{Delay: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	_, _ = e.s.ShipOrder(body["eventInstanceId"].(string))
	shipped := rc.note(t, sns.ItemShippedType)
	settle(t, e.s)
	var faults []string
	for _, d := range e.s.SNSDeliveries() {
		if d.Fault != "" {
			faults = append(faults, d.NotificationType+": "+d.Fault)
		}
	}
	want := []string{"OrderPlacedNotification: duplicate", "OrderPlacedNotification: duplicate",
		"OrderCancelledNotification: out_of_order", "ItemShippedNotification: delay 20ms"}
	if diff := cmp.Diff(want, faults); diff != "" || shipped.MessageID == "" {
		t.Errorf("faults in the delivery log (-want +got):\n%s", diff)
	}
	if len(e.s.SNSFaults()) != 0 {
		t.Errorf("faults left: %+v", e.s.SNSFaults())
	}
}

func TestSNSRetriesThenDrops(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	cfg := drssim.Config{SNS: drssim.SNSConfig{RetryDelay: time.Millisecond}}
	e := newEnv(t, cfg, drssim.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	tok := e.link(drssim.LinkRequest{Serial: "SN-r", TestDevice: true}).AccessToken
	rc := newReceiver(t, e.s, "", true)
	const secret = "endpoint-secret-42"
	if _, err := e.s.SNSSubscribe(drssim.SNSSubscribeRequest{Endpoint: rc.srv.URL + "/sns?key=" + secret}); err != nil {
		t.Fatal(err)
	}
	rc.confirmed(t)
	e.replenish(tok, "coffee-beans")
	var id string
	for i := range 4 { // the first attempt and 3 retries, same MessageId
		a := next(t, rc.arrivals)
		if a.status != http.StatusInternalServerError || id != "" && a.id != id {
			t.Fatalf("attempt %d: %+v", i+1, a)
		}
		id = a.id
	}
	// A refused connection: the error names the endpoint without its query.
	if _, err := e.s.SNSSubscribe(drssim.SNSSubscribeRequest{Endpoint: "http://127.0.0.1:1/sns?key=" + secret}); err != nil {
		t.Fatal(err)
	}
	settle(t, e.s)
	if l := fmt.Sprint(e.s.SNSDeliveries()); !strings.Contains(l, "connection refused") && !strings.Contains(l, "connect") {
		t.Errorf("no connection error in the log: %s", l)
	}
	var got []string
	for _, d := range e.s.SNSDeliveries() {
		if d.MessageID == id {
			got = append(got, fmt.Sprintf("%d %d %s", d.Attempt, d.Status, d.Outcome))
		}
	}
	want := []string{"1 500 retrying", "2 500 retrying", "3 500 retrying", "4 500 dropped"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("delivery log (-want +got):\n%s", diff)
	}
	if len(rc.arrivals) != 0 {
		t.Errorf("more than 4 attempts: %+v", <-rc.arrivals)
	}
	if l := logs.String() + fmt.Sprint(e.s.SNSDeliveries()); !strings.Contains(l, "sns: delivery dropped") || !strings.Contains(l, id) ||
		strings.Contains(l, tok) || strings.Contains(l, secret) {
		t.Errorf("log lacks the drop of %s, or holds the token:\n%s", id, l)
	}
}

// TestSNSCloseStopsDeliveries checks that Close cancels a delivery in
// progress and returns once its goroutines have ended.
func TestSNSCloseStopsDeliveries(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	tok := e.link(drssim.LinkRequest{Serial: "SN-c", TestDevice: true}).AccessToken
	rc := newReceiver(t, e.s, "", false)
	rc.subscribe(t, e.s, drssim.SNSSubscribeRequest{})
	entered := make(chan struct{}, 1)
	hang := httptestServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // the server notices a closed connection only then
		entered <- struct{}{}
		<-r.Context().Done()
	})
	// A second subscription, to an endpoint that never answers, confirmed
	// by hand with the URL the confirmation would carry.
	sub, err := e.s.SNSSubscribe(drssim.SNSSubscribeRequest{Endpoint: hang})
	if err != nil {
		t.Fatal(err)
	}
	next(t, entered) // the confirmation hangs
	e.replenish(tok, "coffee-beans")
	rc.note(t, sns.OrderPlacedType)
	if err := e.s.Close(); err != nil {
		t.Fatal(err)
	}
	var dropped bool
	for _, d := range e.s.SNSDeliveries() {
		dropped = dropped || d.SubscriptionARN == sub.SubscriptionARN && d.Outcome == drssim.SNSDropped
	}
	if !dropped {
		t.Errorf("the hanging confirmation was not dropped: %+v", e.s.SNSDeliveries())
	}
	// After Close, what is published (as by a handler still running) is
	// dropped, not delivered: no goroutine outlives Close.
	before := len(e.s.SNSDeliveries())
	if _, err := e.s.DeregisterDevice(drssim.DefaultClientID, drssim.DefaultModel, "SN-c"); err != nil {
		t.Fatal(err)
	}
	for _, d := range e.s.SNSDeliveries()[before:] {
		if d.Outcome != drssim.SNSDropped {
			t.Errorf("a notification published after Close was %s, want dropped: %+v", d.Outcome, d)
		}
	}
	tok = e.link(drssim.LinkRequest{Serial: "SN-c", TestDevice: true}).AccessToken
	// Started again, the Server delivers again.
	if err := e.s.Start(); err != nil {
		t.Fatal(err)
	}
	e.replenish(tok, "water-filter")
	if n := rc.note(t, sns.OrderPlacedType); n.Event.(*sns.OrderPlaced).Order.SlotID != "water-filter" {
		t.Errorf("after a restart: %+v", n)
	}
}

// TestSNSConcurrentOrders places orders from many goroutines: each one is
// reported once, with its own eventInstanceId.
func TestSNSConcurrentOrders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	const n = 20
	toks := make([]string, n)
	for i := range toks {
		toks[i] = e.link(drssim.LinkRequest{Serial: fmt.Sprintf("SN-%d", i), TestDevice: true}).AccessToken
	}
	rc := newReceiver(t, e.s, "", false)
	rc.subscribe(t, e.s, drssim.SNSSubscribeRequest{SignatureVersion: "2"})
	want := make(map[string]bool)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, tok := range toks {
		wg.Go(func() {
			_, body := e.replenish(tok, "coffee-beans")
			mu.Lock()
			want[body["eventInstanceId"].(string)] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	got := make(map[string]bool)
	for range n {
		got[rc.note(t, sns.OrderPlacedType).Event.(*sns.OrderPlaced).Order.InstanceID] = true
	}
	settle(t, e.s)
	if diff := cmp.Diff(want, got); diff != "" || len(rc.notes) != 0 {
		t.Errorf("OrderPlaced instance IDs (-placed +reported):\n%s", diff)
	}
}
