package drssim_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/drssim/drssimtest"
)

// try sends a DRS replenish and returns the error of the round trip or of
// reading the body, if any.
func (e *env) tryReplenish(hc *http.Client, token, slot string) (result, error) {
	e.t.Helper()
	req := e.request("POST", "/replenish/"+slot, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("x-amzn-type-version", typePrefix+"DrsReplenishInput@1.0")
	req.Header.Set("x-amzn-accept-type", typePrefix+"DrsReplenishResult@1.0")
	resp, err := hc.Do(req)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, body}, err
}

// inject injects a fault or fails the test.
func (e *env) inject(f drssim.Fault) {
	e.t.Helper()
	if err := e.s.InjectFault(f); err != nil {
		e.t.Fatalf("InjectFault(%+v): %v", f, err)
	}
}

func TestFaultStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	tok := e.link(drssim.LinkRequest{Serial: "SN-f", TestDevice: true}).AccessToken
	e.inject(drssim.Fault{Endpoint: drssim.EndpointReplenish, Status: 500, Body: `{"message":"boom"}`,
		Headers: map[string]string{"x-test": "yes"}, RetryAfter: "7", Count: 2})
	for range 2 {
		r, err := e.tryReplenish(e.hc, tok, "coffee-beans")
		if err != nil || r.status != 500 || string(r.body) != `{"message":"boom"}` ||
			r.header.Get("Retry-After") != "7" || r.header.Get("X-Test") != "yes" || r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("faulted replenish = %d %q %v, %v", r.status, r.body, r.header, err)
		}
		checkStamp(t, r)
	}
	if n := len(e.s.Orders()); n != 0 {
		t.Errorf("%d orders placed by faulted calls, want 0", n)
	}
	if _, m := e.replenish(tok, "coffee-beans"); m["detailCode"] != "TEST_ORDER_PLACED" {
		t.Errorf("third call = %v, want it unfaulted", m)
	}
	if n := e.s.Requests(drssim.EndpointReplenish); n != 3 {
		t.Errorf("Requests(replenish) = %d, want 3", n)
	}

	// Default bodies follow the endpoint's style.
	e.inject(drssim.Fault{Endpoint: drssim.EndpointToken, Status: 503})
	lwaErr(t, e.postForm("/auth/o2/token", refreshForm("x")), 503, "temporarily_unavailable", "Service Unavailable")
	e.inject(drssim.Fault{Endpoint: drssim.EndpointAuthorize, Status: 500})
	if r := e.authorize(authParams("SN-f2", true)); r.status != 500 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(r.body), "Internal Server Error") || strings.Contains(string(r.body), `id="consent"`) {
		t.Errorf("authorize 500 fault = %d %q %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	consentID(t, e.authorize(authParams("SN-f2", true))) // the next call is unfaulted
	e.inject(drssim.Fault{Endpoint: drssim.EndpointSubscriptionInfo, Status: 500})
	wantMessage(t, e.drs("GET", "/subscriptionInfo", tok, "subscription", ""), 500, "Internal Server Error", "")
	e.inject(drssim.Fault{Endpoint: drssim.EndpointSubscriptionInfo, Status: 429, Headers: map[string]string{"Content-Type": "text/plain"}, Body: "slow down"})
	r := e.drs("GET", "/subscriptionInfo", tok, "subscription", "")
	if r.status != 429 || string(r.body) != "slow down" || r.header.Get("Content-Type") != "text/plain" {
		t.Errorf("429 fault = %d %q %q", r.status, r.body, r.header.Get("Content-Type"))
	}
}

func TestFaultHTML(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	link := e.link(drssim.LinkRequest{Serial: "SN-html"})
	e.inject(drssim.Fault{Endpoint: drssim.EndpointToken, HTML: true})
	r := e.postForm("/auth/o2/token", refreshForm(link.RefreshToken))
	if r.status != 503 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.body), "<html") {
		t.Errorf("HTML fault = %d %q %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	checkStamp(t, r)
	e.inject(drssim.Fault{Endpoint: drssim.EndpointReplenish, HTML: true, Status: 502})
	if r, _ := e.tryReplenish(e.hc, link.AccessToken, "coffee-beans"); r.status != 502 || len(e.s.Orders()) != 0 {
		t.Errorf("HTML 502 fault: status %d, %d orders", r.status, len(e.s.Orders()))
	}
}

// TestFaultDelay runs in a synctest bubble, over the in-memory pair: the
// delays pass in fake time.
func TestFaultDelay(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s, c := drssimtest.StartInMemory(t, drssimtest.WithConfig(drssim.Config{}),
			drssimtest.WithClientOptions(drs.WithRetryPolicy(drs.RetryPolicy{MaxAttempts: 1})))
		link, err := s.LinkDevice(drssim.LinkRequest{Serial: "SN-delay", TestDevice: true})
		if err != nil {
			t.Fatal(err)
		}
		c.SetToken(drs.Token{AccessToken: link.AccessToken, RefreshToken: link.RefreshToken, Expiry: time.Now().Add(time.Hour)})
		inject := func(f drssim.Fault) {
			if err := s.InjectFault(f); err != nil {
				t.Fatal(err)
			}
		}
		inject(drssim.Fault{Endpoint: drssim.EndpointReplenish, Delay: 300 * time.Millisecond})
		start := time.Now()
		if res, err := c.Replenish(t.Context(), "coffee-beans"); err != nil || res.DetailCode != drs.TestOrderPlaced {
			t.Errorf("delayed replenish = %+v, %v, want it handled", res, err)
		}
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Errorf("delayed replenish took %v, want at least 300ms", d)
		}

		// A client that gives up during the delay cancels the request: no
		// order, even once the delay is over.
		inject(drssim.Fault{Endpoint: drssim.EndpointReplenish, Delay: time.Second})
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		if _, err := c.Replenish(ctx, "water-filter"); err == nil {
			t.Fatalf("impatient client got a response")
		}
		time.Sleep(1200 * time.Millisecond)
		synctest.Wait()
		if n := len(s.Orders()); n != 1 {
			t.Errorf("%d orders, want 1: the cancelled request must not be handled", n)
		}
	})
}

func TestFaultDrop(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	tok := e.link(drssim.LinkRequest{Serial: "SN-drop", TestDevice: true}).AccessToken

	e.inject(drssim.Fault{Endpoint: drssim.EndpointReplenish, Drop: "before"})
	if _, err := e.tryReplenish(e.hc, tok, "coffee-beans"); err == nil {
		t.Fatalf("drop before: got a response")
	}
	if n := len(e.s.Orders()); n != 0 {
		t.Errorf("drop before placed %d orders", n)
	}

	e.inject(drssim.Fault{Endpoint: drssim.EndpointReplenish, Drop: "after"})
	if _, err := e.tryReplenish(e.hc, tok, "coffee-beans"); err == nil {
		t.Fatalf("drop after: got a response")
	}
	orders := e.s.Orders()
	if len(orders) != 1 {
		t.Fatalf("drop after: %d orders, want the one placed before the drop", len(orders))
	}
	if _, m := e.replenish(tok, "coffee-beans"); m["detailCode"] != "ORDER_INPROGRESS" || m["eventInstanceId"] != orders[0].ID {
		t.Errorf("replenish after drop = %v", m)
	}
	if n := e.s.Requests(drssim.EndpointReplenish); n != 3 {
		t.Errorf("Requests(replenish) = %d, want 3 (dropped ones count)", n)
	}
}

func TestFaultMalformedTruncateBodySize(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	tok := e.link(drssim.LinkRequest{Serial: "SN-body", TestDevice: true}).AccessToken

	e.inject(drssim.Fault{Endpoint: drssim.EndpointReplenish, Malformed: true})
	r, err := e.tryReplenish(e.hc, tok, "coffee-beans")
	if err != nil || r.status != 200 || string(r.body) != `{"eventInstanceId":` || json.Valid(r.body) {
		t.Errorf("malformed = %d %q %v", r.status, r.body, err)
	}
	if len(e.s.Orders()) != 1 {
		t.Errorf("malformed: the handler did not run")
	}

	e.inject(drssim.Fault{Endpoint: drssim.EndpointReplenish, Truncate: true})
	r, err = e.tryReplenish(e.hc, tok, "water-filter")
	if !errors.Is(err, io.ErrUnexpectedEOF) || r.status != 200 {
		t.Errorf("truncate: status %d, body %q, err %v; want 200 and unexpected EOF", r.status, r.body, err)
	}
	if len(e.s.Orders()) != 2 {
		t.Errorf("truncate: the handler did not run")
	}

	const size = 10 << 20
	e.inject(drssim.Fault{Endpoint: drssim.EndpointSubscriptionInfo, BodySize: size})
	r = e.drs("GET", "/subscriptionInfo", tok, "subscription", "")
	if r.status != 200 || len(r.body) != size || !json.Valid(r.body) {
		t.Errorf("body_size: status %d, %d bytes, valid %v", r.status, len(r.body), json.Valid(r.body))
	}
	for _, n := range []int{1, 5, 14, 15} {
		e.inject(drssim.Fault{Endpoint: drssim.EndpointSubscriptionInfo, BodySize: n})
		if r := e.drs("GET", "/subscriptionInfo", tok, "subscription", ""); len(r.body) != n {
			t.Errorf("body_size %d: got %d bytes %q", n, len(r.body), r.body)
		}
	}
}

func TestFaultValidation(t *testing.T) {
	t.Parallel()
	s, err := drssim.New(drssim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []drssim.Fault{
		{Endpoint: "nope", Status: 500},
		{Endpoint: "replenish"},
		{Endpoint: "replenish", Status: 99},
		{Endpoint: "replenish", Status: 700},
		{Endpoint: "replenish", Drop: "sideways"},
		{Endpoint: "replenish", Delay: -time.Second},
		{Endpoint: "replenish", Count: -1, Status: 500},
		{Endpoint: "replenish", BodySize: -1},
		{Endpoint: "replenish", Drop: "after", Truncate: true},
		{Endpoint: "replenish", Malformed: true, BodySize: 10},
		{Endpoint: "replenish", Status: 500, Headers: map[string]string{"Bad Key": "x"}},
	} {
		if err := s.InjectFault(f); err == nil {
			t.Errorf("InjectFault(%+v) accepted", f)
		}
	}
	if len(s.Faults()) != 0 {
		t.Errorf("invalid faults were queued: %+v", s.Faults())
	}
	if err := s.InjectFault(drssim.Fault{Endpoint: "orderInfo", HTML: true}); err != nil {
		t.Fatal(err)
	}
	if got := s.Faults(); len(got) != 1 || got[0].Status != 503 || got[0].Count != 1 {
		t.Errorf("Faults() = %+v, want one HTML fault with status 503, count 1", got)
	}
	if n := s.ClearFaults(); n != 1 || len(s.Faults()) != 0 {
		t.Errorf("ClearFaults() = %d", n)
	}
}

func TestFaultJSON(t *testing.T) {
	t.Parallel()
	var f drssim.Fault
	if err := json.Unmarshal([]byte(`{"endpoint":"token","status":503,"retry_after":"2","delay":"1.5s","count":3}`), &f); err != nil {
		t.Fatal(err)
	}
	if f.Delay != 1500*time.Millisecond || f.Status != 503 || f.Count != 3 || f.RetryAfter != "2" {
		t.Errorf("decoded %+v", f)
	}
	out, _ := json.Marshal(f)
	var got, want map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("encoded %s: %v", out, err)
	}
	_ = json.Unmarshal([]byte(`{"endpoint":"token","status":503,"retry_after":"2","delay":"1.5s","count":3}`), &want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("encoded %s (-want +got):\n%s", out, diff)
	}
	for _, bad := range []string{`{"endpoint":"token","delay":2}`, `{"endpoint":"token","delay":"soon"}`, `{"endpoint":"token","colour":"red"}`} {
		if err := json.Unmarshal([]byte(bad), &f); err == nil {
			t.Errorf("Unmarshal(%s) accepted", bad)
		}
	}
}
