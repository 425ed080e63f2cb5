package drs_test

// The fault matrix: every DRS endpoint (10 rows) and both LWA grants (2
// rows: refresh_token, a Replenish on an expired access token; and
// authorization_code, Client.Exchange of a code from the consent flow), under
// every fault the emulator can inject plus a fault-free control column (15
// columns), with what the caller must see: the error code, how many requests
// reached the emulator, how many orders were placed (Replenish never places
// two), the refresh token afterwards (in the client, in its token store and
// as the token-change hook saw it), and no secret in the error, the client's
// debug log or the emulator's log. The specification is expect and
// expectTransient; each case says why.
//
// Each cell runs against an emulator and an http.Transport of its own, so
// cells run concurrently and every count is the cell's; the goroutine count
// is compared before and after the whole matrix. TestFaultMatrix injects
// faults that outlast the retry policy (the error a caller gets when the
// fault does not clear); TestFaultMatrixTransient the same faults on one
// request only (retried calls recover, the others do not).
//
// Connections are pooled as in production, with MaxConnsPerHost 1 so that
// the faulted call deterministically goes out on the connection a previous
// call left idle. That matters for the dropped-connection cells: when a
// reused connection dies before any response byte, Go's http.Transport
// itself sends a replayable request (GET, HEAD, OPTIONS, TRACE without a
// body) once more on a new connection, before the library sees any error.
// So the GET endpoints (SubscriptionInfo, OrderInfo) reach the emulator once
// more than the library's attempts; POST and DELETE requests, Replenish
// included, are never resent by the transport.

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/drssim/drssimtest"
	"github.com/amazondrs/drs/internal/testutil"
	"github.com/amazondrs/drs/store"
)

// syncBuf is a buffer safe for concurrent writes and reads.
type syncBuf = testutil.SyncBuffer

// Timing of the matrix. The requests the delay fault holds up get a short
// timeout (see faultDeadline) and the delay is well past it; every other
// request, warm-ups and retries included, gets a long one, so that a loaded
// CI machine cannot turn a slow answer into a timeout. Retries do not sleep.
const (
	fmTimeout     = 200 * time.Millisecond
	fmDelay       = 5 * time.Second // far past fmTimeout: a loaded machine cannot let it pass first
	fmLongTimeout = 10 * time.Second
	// fmConcurrency is how many cells run at once: most of a cell is
	// waiting (timeouts, delays), so far more than GOMAXPROCS.
	fmConcurrency = 12
)

var fmRetry = drs.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond}

const fmRedirect = "http://127.0.0.1:8182/callback" // an allowed return URL of drssim's default profile

// fmFault is one column of the matrix.
type fmFault struct {
	name  string
	fault drssim.Fault // Endpoint and Count are filled in per row
}

var fmFaults = []fmFault{
	{"no fault", drssim.Fault{}}, // the control column: every call succeeds
	{"400 invalid token", drssim.Fault{Status: 400, Body: `{"message":"Invalid token"}`,
		Headers: map[string]string{"X-Amzn-Errortype": "InvalidTokenException:http://internal.amazon.com/coral/com.amazon.parkeraccioservice/"}}},
	{"404", drssim.Fault{Status: 404}},
	{"429 Retry-After", drssim.Fault{Status: 429, RetryAfter: "1"}}, // 1 s > MaxDelay: not waited for
	// The same as an HTTP date, set when the row runs (see runCell).
	{"429 Retry-After date", drssim.Fault{Status: 429}},
	{"429", drssim.Fault{Status: 429}},
	{"500", drssim.Fault{Status: 500}},
	{"503", drssim.Fault{Status: 503}},
	{"delay past timeout", drssim.Fault{Delay: fmDelay}},
	{"drop before", drssim.Fault{Drop: "before"}},
	{"drop after", drssim.Fault{Drop: "after"}},
	{"truncated body", drssim.Fault{Truncate: true}},
	{"non-JSON body", drssim.Fault{Malformed: true}},
	{"HTML error page", drssim.Fault{HTML: true}},
	{"10 MiB body", drssim.Fault{BodySize: 10 << 20}},
}

// fmRedirectTargets are where the redirect columns point Location (see
// redirectLocation): the emulator itself on another path, a recording
// server on the same hostname and another port, the same recording server
// under another hostname, and the request's own URL (a loop).
var fmRedirectTargets = []string{"same host", "other port", "other host", "loop"}

func init() {
	for _, status := range []int{301, 302, 303, 307, 308} {
		for _, target := range fmRedirectTargets {
			fmFaults = append(fmFaults, fmFault{fmt.Sprintf("%d %s", status, target), drssim.Fault{Status: status}})
		}
	}
}

// isRedirect reports whether f is a redirect column.
func (f fmFault) isRedirect() bool { return f.fault.Status >= 300 && f.fault.Status <= 399 }

// fmFixture is what a row's call needs from its rig.
type fmFixture struct {
	slot, model, serial, orderID string
}

// fmEndpoint is one line of the matrix.
type fmEndpoint struct {
	name     string
	endpoint string // drssim endpoint name the fault is injected on
	path     string // prefix of the request path of the endpoint
	method   string // HTTP method, "" for the LWA grants
	// retried: the library repeats the call after 429, 5xx or a transport
	// failure (every DRS call but Replenish).
	retried bool
	// decodes: a 2xx body is decoded, so a non-JSON one is an error.
	decodes bool
	// call makes the row's call (nil for the LWA grants, see runCell).
	call func(ctx context.Context, c *drs.Client, f fmFixture) error
}

var fmEndpoints = []fmEndpoint{
	{"Replenish", drssim.EndpointReplenish, "/replenish/", "POST", false, true, func(ctx context.Context, c *drs.Client, f fmFixture) error {
		_, err := c.Replenish(ctx, f.slot)
		return err
	}},
	{"ReportSlotStatus", drssim.EndpointSlotStatus, "/slotStatus/", "POST", true, false, func(ctx context.Context, c *drs.Client, f fmFixture) error {
		now := time.Now()
		return c.ReportSlotStatus(ctx, f.slot, drs.SlotStatus{ExpectedReplenishmentDate: now.Add(48 * time.Hour),
			RemainingQuantityInUnit: 2.5, OriginalQuantityInUnit: 10, TotalQuantityOnHand: 1, LastUseDate: now})
	}},
	{"ReportDeviceStatus", drssim.EndpointDeviceStatus, "/deviceStatus", "POST", true, false, func(ctx context.Context, c *drs.Client, f fmFixture) error {
		return c.ReportDeviceStatus(ctx, drs.DeviceStatus{MostRecentlyActiveDate: time.Now()})
	}},
	{"SubscriptionInfo", drssim.EndpointSubscriptionInfo, "/subscriptionInfo", "GET", true, true, func(ctx context.Context, c *drs.Client, f fmFixture) error {
		_, err := c.SubscriptionInfo(ctx)
		return err
	}},
	{"SubscriptionInfoV1", drssim.EndpointSubscriptionInfo, "/subscriptionInfo", "GET", true, true, func(ctx context.Context, c *drs.Client, f fmFixture) error {
		_, err := c.SubscriptionInfoV1(ctx)
		return err
	}},
	{"OrderInfo", drssim.EndpointOrderInfo, "/getOrderInfo/", "GET", true, true, func(ctx context.Context, c *drs.Client, f fmFixture) error {
		_, err := c.OrderInfo(ctx, f.orderID)
		return err
	}},
	{"CancelTestOrder", drssim.EndpointCancelTestOrders, "/testOrders/", "DELETE", true, true, func(ctx context.Context, c *drs.Client, f fmFixture) error {
		_, err := c.CancelTestOrder(ctx, f.slot)
		return err
	}},
	{"CancelAllTestOrders", drssim.EndpointCancelTestOrders, "/testOrders", "DELETE", true, true, func(ctx context.Context, c *drs.Client, f fmFixture) error {
		_, err := c.CancelAllTestOrders(ctx)
		return err
	}},
	{"Deregister", drssim.EndpointDeregister, "/registration", "DELETE", true, false, func(ctx context.Context, c *drs.Client, f fmFixture) error {
		return c.Deregister(ctx)
	}},
	{"DeregisterDevice", drssim.EndpointDeregister, "/deviceModels/", "DELETE", true, false, func(ctx context.Context, c *drs.Client, f fmFixture) error {
		return c.DeregisterDevice(ctx, f.model, f.serial)
	}},
	// The refresh grant: a Replenish on an expired access token.
	{"LWA refresh_token", drssim.EndpointToken, "/auth/o2/token", "", true, true, nil},
	// The authorization_code grant: Client.Exchange, which is sent once.
	{"LWA authorization_code", drssim.EndpointToken, "/auth/o2/token", "", false, true, nil},
}

// fmWant is what one cell must show.
type fmWant struct {
	code     int // drs.Code of the error, 0 for success
	requests int // requests that reached the faulted endpoint
	tokens   int // token requests, for DRS rows (the invalid-token refresh)
	orders   int // orders placed by the call
	// deregistered: the call succeeded in deregistering, so the stored
	// refresh token must be gone.
	deregistered bool
	// unknown: errors.Is(err, drs.ErrOutcomeUnknown), which only a
	// Replenish failure after its request may have reached DRS sets.
	unknown bool
}

// expect returns the outcome of endpoint e under fault f when the fault
// outlasts the retry policy. It is the matrix's specification; see the
// comments for why each cell is what it is.
func expect(e fmEndpoint, f fmFault, attempts int) fmWant {
	isToken := e.endpoint == drssim.EndpointToken
	// retry is how many requests a retryable failure causes.
	retry := 1
	if e.retried {
		retry = attempts
	}
	var w fmWant
	switch f.name {
	case "no fault":
		w = fmWant{requests: 1}
		if e.name == "LWA refresh_token" {
			w.orders = 1 // the Replenish after the refresh
		}
	case "400 invalid token":
		// DRS: the client refreshes once and repeats the call (the first was
		// refused, so repeating is safe, even for Replenish), then gives up.
		// LWA: a 400 without invalid_grant is just an HTTP 400; the refresh
		// token is not declared dead.
		w = fmWant{code: 400, requests: 2, tokens: 1}
		if isToken {
			w = fmWant{code: 400, requests: 1}
		}
	case "404":
		w = fmWant{code: 404, requests: 1}
	case "429 Retry-After", "429 Retry-After date":
		// The server asks for 1 s (or, as a date, a minute), more than
		// MaxDelay: the client gives up at once rather than retry early.
		w = fmWant{code: 429, requests: 1}
	case "429", "500", "503":
		code, _ := strconv.Atoi(f.name)
		w = fmWant{code: code, requests: retry}
	case "HTML error page":
		w = fmWant{code: 503, requests: retry}
	case "delay past timeout":
		w = fmWant{code: drs.CodeTimeout, requests: retry}
	case "drop before", "drop after":
		w = fmWant{code: drs.CodeEmptyReply, requests: retry}
		if e.method == "GET" {
			w.requests++ // Go's transport resends a GET once on a reused connection
		}
	case "truncated body":
		w = fmWant{code: drs.CodePartialBody, requests: retry}
	case "non-JSON body":
		// Not a transport failure: never retried. Calls that ignore the body
		// of a 2xx succeed.
		w = fmWant{code: drs.CodeGeneral, requests: 1}
		if !e.decodes {
			w.code = 0
		}
	case "10 MiB body":
		// Over the 1 MiB cap: the body is not read, and a second try would
		// get the same.
		w = fmWant{code: drs.CodeBodyTooLarge, requests: 1}
	default:
		if !f.isRedirect() {
			panic("no expectation for fault " + f.name)
		}
		// A redirect is never followed, never retried: the error carries
		// its status, and nothing reaches the Location.
		w = fmWant{code: f.fault.Status, requests: 1}
	}
	// A Replenish that failed after its request reached DRS may have placed
	// an order: everything but a refusal (4xx). The refresh row's Replenish
	// is never sent when the refresh fails.
	if e.name == "Replenish" && w.code != 0 && (w.code < 400 || w.code >= 500) {
		w.unknown = true
	}
	// The handler runs (and its effects stay) for drop after, truncated,
	// non-JSON and 10 MiB bodies: Replenish places its order, but never a
	// second one.
	ran := f.name == "no fault" || f.name == "drop after" || f.name == "truncated body" || f.name == "non-JSON body" || f.name == "10 MiB body"
	if e.name == "Replenish" && ran {
		w.orders = 1
	}
	if strings.HasPrefix(e.name, "Deregister") && w.code == 0 {
		w.deregistered = true
	}
	return w
}

// fmRig is one row's world: an emulator, a linked test device and a client
// for it with a pooled transport of its own, a token store and a debug log.
type fmRig struct {
	s       *drssim.Server
	c       *drs.Client
	tr      *http.Transport
	st      *store.MemoryStore
	key     store.Key
	link    drssim.Link // the device's tokens; Link.RefreshToken is "" for an Exchange row
	clk     *clock
	log     *syncBuf
	emuLog  *syncBuf
	fixture fmFixture
	changes *[]string      // refresh tokens the token-change hook saw
	slow    *faultDeadline // arms the short timeout of the delay column
}

// newRig starts an emulator and links serial as a test device; with linked
// false the device is not linked and the client has no token (the Exchange
// rows link it).
func newRig(t *testing.T, serial string, linked bool, policy drs.RetryPolicy) *fmRig {
	t.Helper()
	r := &fmRig{log: &syncBuf{}, emuLog: &syncBuf{}, clk: &clock{t: time.Now()}, st: store.Memory(), changes: new([]string)}
	// The rig's client comes later: its token store must hold the link first.
	s, _ := drssimtest.Start(t, drssimtest.WithServerOptions(drssim.WithLogger(slog.New(slog.NewTextHandler(r.emuLog, &slog.HandlerOptions{Level: slog.LevelDebug})))))
	var err error
	r.s = s
	r.fixture = fmFixture{slot: drssim.DefaultConfig().Models[0].Slots[0].ID, model: drssim.DefaultModel, serial: serial}
	r.key = store.Key{ClientID: drssim.DefaultClientID, DeviceModel: drssim.DefaultModel, Serial: serial}
	if linked {
		if r.link, err = s.LinkDevice(drssim.LinkRequest{Serial: serial, TestDevice: true}); err != nil {
			t.Fatal(err)
		}
		if err := r.st.Save(t.Context(), r.key, r.link.RefreshToken); err != nil {
			t.Fatal(err)
		}
	}
	r.tr = &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1}
	r.slow = &faultDeadline{base: r.tr}
	var mu sync.Mutex
	r.c, err = s.Client(
		drs.WithHTTPClient(&http.Client{Transport: r.slow, Timeout: fmLongTimeout}),
		drs.WithRetryPolicy(policy),
		drs.WithClock(r.clk.now),
		drs.WithTokenStore(r.st, drssim.DefaultModel, serial),
		drs.WithTokenChange(func(tk drs.Token) { mu.Lock(); *r.changes = append(*r.changes, tk.RefreshToken); mu.Unlock() }),
		drs.WithLogger(slog.New(slog.NewTextHandler(r.log, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		drs.WithDebug(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	if linked && r.c.RefreshToken() != r.link.RefreshToken {
		t.Fatal("the client did not load the refresh token from its store")
	}
	t.Cleanup(r.tr.CloseIdleConnections)
	return r
}

// stored returns the refresh token in the rig's store, "" if none.
func (r *fmRig) stored(t *testing.T) string {
	tok, err := r.st.Load(context.Background(), r.key)
	if errors.Is(err, store.ErrNotFound) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// authCode plays the customer: it opens LWA's authorize page for the rig's
// device, allows, and returns the code LWA redirected with.
func (r *fmRig) authCode(t *testing.T) string {
	t.Helper()
	u, err := r.c.AuthCodeURL("st", drs.Device{Model: drssim.DefaultModel, Serial: r.fixture.serial, TestDevice: true}, fmRedirect)
	if err != nil {
		t.Fatal(err)
	}
	b := drssimtest.NewBrowser(fmRedirect)
	p, err := b.Link(t.Context(), u, "allow")
	if err != nil {
		t.Fatal(err)
	}
	loc, err := url.Parse(p.Location)
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("consent did not redirect with a code: HTTP %d %q", p.Status, p.Location)
	}
	return loc.Query().Get("code")
}

// warmUp makes a successful call, so the client holds an access token and
// its transport an idle connection.
func (r *fmRig) warmUp(t *testing.T, e fmEndpoint) {
	t.Helper()
	if e.name == "OrderInfo" {
		res, err := r.c.Replenish(t.Context(), r.fixture.slot)
		if err != nil {
			t.Fatal(err)
		}
		r.fixture.orderID = res.EventInstanceID
		return
	}
	if _, err := r.c.SubscriptionInfoV1(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// fmOutcome is what one cell did.
type fmOutcome struct {
	err              error
	requests, tokens int
	replenish        int // Replenish requests, for the refresh rows
	orders           int
	elsewhere        int      // requests that reached a redirect's Location
	secrets          []string // values no output may contain
}

// runCell runs e under fault f (Count calls) on a fresh rig and returns
// what happened.
func runCell(t *testing.T, e fmEndpoint, f fmFault, count int, policy drs.RetryPolicy) (*fmRig, fmOutcome) {
	t.Helper()
	serial := "FM-" + strings.NewReplacer(" ", "-", "_", "-").Replace(e.name)
	exchange := e.name == "LWA authorization_code"
	r := newRig(t, serial, !exchange, policy)
	var o fmOutcome
	var call func(ctx context.Context) error
	switch {
	case exchange:
		code := r.authCode(t)
		o.secrets = append(o.secrets, code)
		call = func(ctx context.Context) error { _, err := r.c.Exchange(ctx, code, fmRedirect); return err }
	case e.endpoint == drssim.EndpointToken: // refresh grant
		r.warmUp(t, e)
		r.clk.advance(2 * time.Hour) // the cached access token has expired
		call = func(ctx context.Context) error { _, err := r.c.Replenish(ctx, r.fixture.slot); return err }
	default:
		r.warmUp(t, e)
		call = func(ctx context.Context) error { return e.call(ctx, r.c, r.fixture) }
	}
	o.secrets = append(o.secrets, r.link.RefreshToken, r.link.AccessToken, r.c.Token().AccessToken)
	reqs0, toks0, orders0 := r.s.Requests(e.endpoint), r.s.Requests(drssim.EndpointToken), len(r.s.Orders())
	repl0 := r.s.Requests(drssim.EndpointReplenish)
	fault := f.fault
	fault.Endpoint, fault.Count = e.endpoint, count
	if f.name == "429 Retry-After date" {
		// A minute from now on the wall clock, whatever the client's
		// token clock says (the refresh rows have moved it 2 hours on).
		fault.RetryAfter = time.Now().Add(time.Minute).UTC().Format(http.TimeFormat)
	}
	var rec *recorder
	if f.isRedirect() {
		rec = newRecorder(t)
		fault.Headers = map[string]string{"Location": redirectLocation(r, e, f, rec, cmp.Or(r.link.RefreshToken, o.secrets[0]))}
	}
	if f.name != "no fault" {
		if err := r.s.InjectFault(fault); err != nil {
			t.Fatal(err)
		}
	}
	if fault.Delay > 0 {
		r.slow.arm(e.path, count, fmTimeout, func() int { return r.s.Requests(e.endpoint) })
	}
	o.err = call(t.Context())
	o.requests = r.s.Requests(e.endpoint) - reqs0
	o.tokens = r.s.Requests(drssim.EndpointToken) - toks0
	o.orders = len(r.s.Orders()) - orders0
	o.replenish = r.s.Requests(drssim.EndpointReplenish) - repl0
	if rec != nil {
		o.elsewhere = rec.count()
	}
	tok := r.c.Token()
	o.secrets = append(o.secrets, tok.AccessToken, tok.RefreshToken)
	return r, o
}

// redirectLocation returns the Location of redirect column f for row e: on
// the emulator, on the recorder under the emulator's hostname (127.0.0.1)
// or under another one (localhost), or the faulted URL itself; each with a
// query holding the refresh token, which must appear in no output.
func redirectLocation(r *fmRig, e fmEndpoint, f fmFault, rec *recorder, refreshToken string) string {
	q := "?leak=" + url.QueryEscape(refreshToken)
	base := r.s.URL()
	switch target := f.name[4:]; target {
	case "same host":
		return base + "/elsewhere" + e.path + q
	case "other port":
		return rec.url + e.path + q
	case "other host":
		return strings.Replace(rec.url, "127.0.0.1", "localhost", 1) + e.path + q
	case "loop":
		return base + e.path + q
	default:
		panic("unknown redirect target " + target)
	}
}

// recorder is a server that counts every request that reaches it: the
// Location of a redirect, which must get none.
type recorder struct {
	url string
	mu  sync.Mutex
	n   int
}

func newRecorder(t *testing.T) *recorder {
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rec.mu.Lock()
		rec.n++
		rec.mu.Unlock()
		w.WriteHeader(200)
	}))
	t.Cleanup(srv.Close)
	rec.url = srv.URL
	return rec
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// TestFaultMatrix runs every (endpoint, fault) cell with a fault that
// outlasts the retry policy.
func TestFaultMatrix(t *testing.T) {
	runMatrix(t, 100, func(e fmEndpoint, f fmFault) fmWant { return expect(e, f, fmRetry.MaxAttempts) })
}

// runMatrix runs every cell, each on a rig of its own, with faults that
// hit count requests, fmConcurrency cells at a time (subtests started from
// goroutines, so -parallel does not bound them), and checks that no
// goroutine outlives the matrix.
func runMatrix(t *testing.T, count int, want func(fmEndpoint, fmFault) fmWant) {
	checkNoGoroutineLeak(t, func(t *testing.T) {
		sem := make(chan struct{}, fmConcurrency)
		var wg sync.WaitGroup
		for _, e := range fmEndpoints {
			for _, f := range fmFaults {
				wg.Go(func() {
					sem <- struct{}{}
					defer func() { <-sem }()
					t.Run(e.name+"/"+f.name, func(t *testing.T) {
						r, o := runCell(t, e, f, count, fmRetry)
						checkCell(t, e, r, o, want(e, f))
					})
				})
			}
		}
		wg.Wait()
	})
}

// expectTransient returns the outcome of endpoint e when fault f hits one
// request only: a failure the library retries now clears on the next try.
func expectTransient(e fmEndpoint, f fmFault) fmWant {
	w := expect(e, f, 1) // what the faulted request itself causes
	isToken := e.endpoint == drssim.EndpointToken
	switch f.name {
	case "400 invalid token":
		if !isToken {
			// Refreshed, repeated, done.
			return fmWant{requests: 2, tokens: 1, orders: fmOrders(e, 1), deregistered: fmDeregisters(e)}
		}
		return w
	case "429", "500", "503", "HTML error page", "delay past timeout", "truncated body", "drop before", "drop after":
		if !e.retried {
			return w // Replenish and the code exchange are sent once
		}
	default:
		return w // not retried: 404, 429 with a long Retry-After, non-JSON and oversized bodies
	}
	// A retried call: the next request succeeds.
	ran := f.name == "drop after" || f.name == "truncated body"
	switch {
	case e.name == "LWA refresh_token":
		// The refresh succeeds on its second request; then the order is placed.
		return fmWant{requests: 2, orders: 1}
	case e.method == "GET" && (f.name == "drop before" || f.name == "drop after"):
		// Go's transport resent the GET on a new connection: the library's
		// first attempt succeeded.
		return fmWant{requests: 2}
	case strings.HasPrefix(e.name, "Deregister") && ran:
		// The first request deregistered the device, which revoked its
		// tokens, and its answer was lost. The retry is refused ("Invalid
		// token"), the refresh is refused (invalid_grant): the device is no
		// longer linked, which is what the call was for, so it counts as
		// done and the dead token is deleted.
		return fmWant{requests: 2, tokens: 1, deregistered: true}
	}
	return fmWant{requests: 2, deregistered: fmDeregisters(e)}
}

func fmOrders(e fmEndpoint, n int) int {
	if e.name == "Replenish" {
		return n
	}
	return 0
}

func fmDeregisters(e fmEndpoint) bool { return strings.HasPrefix(e.name, "Deregister") }

// TestFaultMatrixTransient runs every cell again with a fault that hits one
// request only: retried calls recover, Replenish and the code exchange are
// still sent once, and Replenish still places at most one order.
func TestFaultMatrixTransient(t *testing.T) {
	runMatrix(t, 1, expectTransient)
}

// checkCell compares one cell's outcome with want.
func checkCell(t *testing.T, e fmEndpoint, r *fmRig, o fmOutcome, want fmWant) {
	t.Helper()
	if got := drs.Code(o.err); got != want.code {
		t.Errorf("code = %d, want %d (err: %v)", got, want.code, o.err)
	}
	if o.err != nil {
		var de *drs.Error
		if !errors.As(o.err, &de) {
			t.Errorf("error %T is not a *drs.Error", o.err)
		}
	}
	if got := errors.Is(o.err, drs.ErrOutcomeUnknown); got != want.unknown {
		t.Errorf("errors.Is(err, ErrOutcomeUnknown) = %v, want %v (err: %v)", got, want.unknown, o.err)
	}
	if n := o.elsewhere; n != 0 {
		t.Errorf("%d requests reached a redirect's Location, want none", n)
	}
	if o.requests != want.requests {
		t.Errorf("requests reaching %s = %d, want %d", e.endpoint, o.requests, want.requests)
	}
	if e.endpoint != drssim.EndpointToken && o.tokens != want.tokens {
		t.Errorf("token requests = %d, want %d", o.tokens, want.tokens)
	}
	if o.orders != want.orders {
		t.Errorf("orders placed = %d, want %d", o.orders, want.orders)
	}
	if e.name == "LWA refresh_token" {
		// The Replenish goes out once, after the refresh succeeds, or not at all.
		n := 0
		if want.code == 0 {
			n = 1
		}
		if o.replenish != n {
			t.Errorf("Replenish reached DRS %d times, want %d", o.replenish, n)
		}
	}

	// The refresh token: unchanged after any failure, gone after a
	// deregistration, set after a successful exchange; in the client, in
	// the store and as seen by the hook.
	wantRT, wantChanges := r.link.RefreshToken, []string(nil)
	switch {
	case want.deregistered:
		wantRT, wantChanges = "", []string{""}
	case e.name == "LWA authorization_code" && want.code == 0:
		wantRT = r.c.RefreshToken()
		if !strings.HasPrefix(wantRT, "Atzr|") {
			t.Errorf("after a successful exchange the refresh token is %q", wantRT)
		}
		wantChanges = []string{wantRT}
	}
	if got := r.c.RefreshToken(); got != wantRT {
		t.Errorf("client's refresh token = %.10q..., want %.10q...", got, wantRT)
	}
	if got := r.stored(t); got != wantRT {
		t.Errorf("stored refresh token = %.10q..., want %.10q...", got, wantRT)
	}
	if got := *r.changes; strings.Join(got, ",") != strings.Join(wantChanges, ",") {
		t.Errorf("token-change hook saw %d changes %.10q, want %.10q", len(got), got, wantChanges)
	}

	// Nothing the project produced for the cell holds a secret.
	outputs := map[string]string{"client debug log": r.log.String(), "emulator log": r.emuLog.String()}
	if o.err != nil {
		outputs["error"] = o.err.Error()
		outputs["error %+v"] = fmt.Sprintf("%+v", o.err)
		outputs["error %#v"] = fmt.Sprintf("%#v", o.err)
	}
	for where, s := range outputs {
		assertNoSecrets(t, where, s, append(o.secrets, drssim.DefaultClientSecret, "Atzr|")...)
	}
}

// checkNoGoroutineLeak runs body (whose parallel subtests finish before it
// returns) and fails if goroutines outlive it: every row closes its
// emulator and its transport's idle connections, so the count must come
// back to where it was.
func checkNoGoroutineLeak(t *testing.T, body func(t *testing.T)) {
	t.Helper()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections() // the consent browser uses it
	before := runtime.NumGoroutine()
	t.Run("rows", body)
	var after int
	for deadline := time.Now().Add(5 * time.Second); ; {
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		after = runtime.NumGoroutine()
		if after <= before || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if after > before {
		var buf bytes.Buffer
		pprof.Lookup("goroutine").WriteTo(&buf, 1)
		t.Errorf("goroutines: %d before the matrix, %d after it settled; leaked:\n%s", before, after, buf.String())
	}
}

// TestRefreshRetryAfterDateUsesWallClock: an HTTP-date Retry-After from LWA
// is a moment on the wall clock; the Client's clock (WithClock), which only
// decides token expiry, must not shift it. The fault matrix found that the
// refresh measured it against the Client's clock: two hours ahead, a wait of
// a few seconds became none and the client retried at once.
func TestRefreshRetryAfterDateUsesWallClock(t *testing.T) {
	for _, tc := range []struct {
		name       string
		clockShift time.Duration // of the Client's clock from the wall clock
		retryAfter time.Duration // from the wall clock
		requests   int
	}{
		// A minute ahead is longer than MaxDelay: give up after the first request.
		{"ahead of a fast client clock", 2 * time.Hour, time.Minute, 1},
		// Already past: retry at once, to the end of the policy.
		{"past, slow client clock", -2 * time.Hour, -10 * time.Second, fmRetry.MaxAttempts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, "RA-1", true, fmRetry)
			r.warmUp(t, fmEndpoints[0])
			r.clk.advance(tc.clockShift)
			r.c.SetRefreshToken(r.link.RefreshToken) // drop the access token: the next call refreshes
			toks := r.s.Requests(drssim.EndpointToken)
			if err := r.s.InjectFault(drssim.Fault{Endpoint: drssim.EndpointToken, Status: 429, Count: 10,
				RetryAfter: time.Now().Add(tc.retryAfter).UTC().Format(http.TimeFormat)}); err != nil {
				t.Fatal(err)
			}
			_, err := r.c.SubscriptionInfo(t.Context())
			wantCode(t, err, 429)
			if n := r.s.Requests(drssim.EndpointToken) - toks; n != tc.requests {
				t.Errorf("token requests = %d, want %d", n, tc.requests)
			}
		})
	}
}

// faultDeadline gives the requests a delay fault holds up a short timeout,
// standing in for a short http.Client.Timeout, but only those: the first n
// requests to the faulted endpoint once armed (after the warm-up). And the
// timeout runs from the moment the emulator has the request, not from when
// the client sends it. So on a loaded machine a warm-up or a retry that
// happens to be slow does not time out, and a held-up request cannot time
// out before it reaches the emulator: either would change the cell's counts.
// When it fires, the request fails with context.DeadlineExceeded, as after
// http.Client.Timeout, the body read included.
type faultDeadline struct {
	base http.RoundTripper

	mu      sync.Mutex
	path    string
	left    int
	d       time.Duration
	arrived func() int // requests the emulator has had on the endpoint
}

func (f *faultDeadline) arm(path string, n int, d time.Duration, arrived func() int) {
	f.mu.Lock()
	f.path, f.left, f.d, f.arrived = path, n, d, arrived
	f.mu.Unlock()
}

func (f *faultDeadline) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	d, arrived := time.Duration(0), f.arrived
	if f.left > 0 && strings.HasPrefix(req.URL.Path, f.path) {
		f.left--
		d = f.d
	}
	f.mu.Unlock()
	if d == 0 {
		return f.base.RoundTrip(req)
	}
	before := arrived()
	ctx, cancel := context.WithCancelCause(req.Context())
	go func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for arrived() == before { // wait until the emulator has the request
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-timer.C:
			cancel(context.DeadlineExceeded)
		case <-ctx.Done():
		}
	}()
	resp, err := f.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel(nil)
		return nil, err
	}
	resp.Body = cancelOnClose{resp.Body, func() { cancel(nil) }}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel func()
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
