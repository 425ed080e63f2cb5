package drssim_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amazondrs/drs/drssim"
	"github.com/google/go-cmp/cmp"
)

// requestsPage is GET /_emulator/requests' answer.
type requestsPage struct {
	Counts   map[string]int         `json:"counts"`
	Requests []drssim.RequestRecord `json:"requests"`
	Next     int64                  `json:"next"`
}

// step is what the request log says of one request, less its seq.
type step struct {
	Time     time.Time
	Endpoint string
	Device   string
	Status   int
	Outcome  string
	Fault    string
}

func steps(recs []drssim.RequestRecord) []step {
	out := make([]step, 0, len(recs))
	for _, r := range recs {
		dev := ""
		if r.DeviceModel != "" {
			dev = r.ClientID + " " + r.DeviceModel + "/" + r.Serial
		}
		out = append(out, step{r.Time.Truncate(time.Minute), r.Endpoint, dev, r.Status, r.Outcome, r.Fault})
	}
	return out
}

// TestControlRequests checks GET /_emulator/requests: each request with the
// emulator time, endpoint, device and outcome, filtered by device and paged,
// with the per-endpoint counts beside it; no token, code or secret in it.
func TestControlRequests(t *testing.T) {
	t.Parallel()
	start := time.Date(2021, 6, 1, 8, 0, 0, 0, time.UTC)
	e := newEnv(t, drssim.Config{}, drssim.WithClock(start))
	devA := drssim.DefaultClientID + " " + drssim.DefaultModel + "/SN-logA"
	devB := drssim.DefaultClientID + " " + drssim.DefaultModel + "/SN-logB"

	// Device A: a browser login, two replenishes half an hour later, a bad slot
	// report, a refresh.
	code := e.login(authParams("SN-logA", true), nil)
	tb := tokenOK(t, e.postForm("/auth/o2/token", codeForm(code)))
	if _, err := e.s.Advance(30 * time.Minute); err != nil {
		t.Fatal(err)
	}
	e.replenish(tb.AccessToken, "coffee-beans")
	e.replenish(tb.AccessToken, "coffee-beans")
	e.drs("POST", "/slotStatus/water-filter", tb.AccessToken, "slotStatus", `{"lastUseDate":"soon"}`)
	tokenOK(t, e.postForm("/auth/o2/token", refreshForm(tb.RefreshToken)))

	// Device B: linked through the control plane (not logged), a faulted
	// replenish, a dropped one, and an unknown token.
	linkB := e.link(drssim.LinkRequest{Serial: "SN-logB"})
	wantStatus(t, e.postJSON("/_emulator/faults", `{"endpoint":"replenish","status":503}`), http.StatusCreated)
	e.replenish(linkB.AccessToken, "coffee-beans")
	wantStatus(t, e.postJSON("/_emulator/faults", `{"endpoint":"replenish","drop":"after"}`), http.StatusCreated)
	if r, err := e.tryReplenish(e.hc, linkB.AccessToken, "coffee-beans"); err == nil {
		t.Fatalf("dropped replenish answered %d", r.status)
	}
	e.replenish("Atza|unknown", "coffee-beans")

	h0, h1 := start, start.Add(30*time.Minute)
	wantA := []step{
		{h0, "authorize", devA, 200, "ok", ""},
		{h0, "consent", devA, 302, "ok", ""},
		{h0, "token", devA, 200, "ok", ""},
		{h1, "replenish", devA, 200, "TEST_ORDER_PLACED", ""},
		{h1, "replenish", devA, 200, "ORDER_INPROGRESS", ""},
		{h1, "slotStatus", devA, 400, "ValidationException", ""},
		{h1, "token", devA, 200, "ok", ""},
	}
	wantB := []step{
		{h1, "replenish", devB, 503, "Service Unavailable", "status 503"},
		{h1, "replenish", devB, 0, "dropped after STANDARD_ORDER_PLACED", "drop after"},
	}
	wantAll := append(append(append([]step{}, wantA...), wantB...), step{h1, "replenish", "", 400, "InvalidTokenException", ""})

	var page requestsPage
	decode(t, e.get("/_emulator/requests?device="+url.QueryEscape(drssim.DefaultModel+"/SN-logA")), &page)
	if diff := cmp.Diff(wantA, steps(page.Requests)); diff != "" {
		t.Errorf("device A's requests (-want +got):\n%s", diff)
	}
	if page.Next != 0 || page.Counts["replenish"] != 5 || page.Counts["token"] != 2 || page.Counts["authorize"] != 1 {
		t.Errorf("next %d, counts %v", page.Next, page.Counts)
	}
	decode(t, e.get("/_emulator/requests?device="+drssim.DefaultModel+"/SN-logB"), &page)
	if diff := cmp.Diff(wantB, steps(page.Requests)); diff != "" {
		t.Errorf("device B's requests (-want +got):\n%s", diff)
	}
	decode(t, e.get("/_emulator/requests?device="+drssim.DefaultModel+"/SN-none"), &page)
	if page.Requests == nil || len(page.Requests) != 0 {
		t.Errorf("unknown device: %+v, want an empty list", page.Requests)
	}

	// Unfiltered, in pages of 4: the whole log, in order, once.
	var got []drssim.RequestRecord
	after := int64(0)
	for pages := 0; ; pages++ {
		if pages > len(wantAll) {
			t.Fatal("paging does not end")
		}
		r := e.get("/_emulator/requests?limit=4&after=" + strconv.FormatInt(after, 10))
		wantStatus(t, r, http.StatusOK)
		page = requestsPage{}
		decode(t, r, &page)
		got = append(got, page.Requests...)
		if page.Next == 0 {
			break
		}
		if len(page.Requests) != 4 || page.Next != page.Requests[3].Seq {
			t.Fatalf("page after %d: %d records, next %d", after, len(page.Requests), page.Next)
		}
		after = page.Next
	}
	if diff := cmp.Diff(wantAll, steps(got)); diff != "" {
		t.Errorf("all requests, paged (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(e.s.RequestLog(), got); diff != "" {
		t.Errorf("RequestLog differs from the pages (-Go +HTTP):\n%s", diff)
	}
	for i, r := range got {
		if r.Seq != int64(i+1) || r.Method == "" || !strings.HasPrefix(r.Path, "/") || strings.Contains(r.Path, "?") {
			t.Errorf("record %d = %+v", i, r)
		}
	}

	raw, _ := json.Marshal(got)
	for _, secret := range []string{tb.AccessToken, tb.RefreshToken, code, linkB.AccessToken, drssim.DefaultClientSecret, "st-123"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("request log contains %q", secret)
		}
	}

	for _, q := range []string{
		"device=CoffeeMaker01", "device=CoffeeMaker01/SN/x", "device=bad%20model/S", "device=/S",
		"limit=0", "limit=1001", "limit=x", "after=-1", "colour=red", "device=A/B&device=C/D",
	} {
		r := e.get("/_emulator/requests?" + q)
		wantStatus(t, r, http.StatusBadRequest)
		msg, _ := r.json(t)["message"].(string)
		name, _, _ := strings.Cut(q, "=")
		if !strings.Contains(msg, name) {
			t.Errorf("?%s: message %q does not name %s", q, msg, name)
		}
	}
}

// TestRequestLogKeepsTheLatest checks that the log is bounded: after more
// than 10,000 requests it holds the last 10,000, numbered on, while the
// counts keep every request.
func TestRequestLogKeepsTheLatest(t *testing.T) {
	t.Parallel()
	s, err := drssim.New(drssim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 10005
	for range n {
		req, _ := http.NewRequest(http.MethodGet, "/subscriptionInfo", nil)
		s.ServeHTTP(discardWriter{}, req)
	}
	log := s.RequestLog()
	if len(log) != 10000 || log[0].Seq != n-9999 || log[len(log)-1].Seq != n || s.Requests(drssim.EndpointSubscriptionInfo) != n {
		t.Errorf("log of %d, seq %d to %d, count %d", len(log), log[0].Seq, log[len(log)-1].Seq, s.Requests(drssim.EndpointSubscriptionInfo))
	}
}

// discardWriter is an http.ResponseWriter that drops the response.
type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (discardWriter) WriteHeader(int)             {}
