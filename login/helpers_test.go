package login_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/drssim/drssimtest"
	"github.com/amazondrs/drs/login"
)

// emulator starts a drssim server on loopback for one test; it also allows
// the fleet server's /link/callback (docs/serve.md).
func emulator(t *testing.T, opts ...drssim.Option) *drssim.Server {
	t.Helper()
	cfg := drssim.DefaultConfig()
	cfg.Profiles[0].AllowedReturnURLs = append(cfg.Profiles[0].AllowedReturnURLs, "http://127.0.0.1:8182/link/callback")
	s, err := drssim.New(cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func emuClient(t *testing.T, s *drssim.Server, opts ...drs.Option) *drs.Client {
	t.Helper()
	c, err := drs.New(drssim.DefaultClientID, drssim.DefaultClientSecret, append([]drs.Option{drs.WithEndpoints(drs.EmulatorEndpoints(s.Addr()))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// outcome records what a login's callback was told.
type outcome struct {
	mu   sync.Mutex
	errs []error
	tok  drs.Token
}

func (o *outcome) callback(err error, tok drs.Token) {
	o.mu.Lock()
	o.errs = append(o.errs, err)
	o.tok = tok
	o.mu.Unlock()
}

func (o *outcome) last() (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.errs) == 0 {
		return 0, nil
	}
	return len(o.errs), o.errs[len(o.errs)-1]
}

// agent mounts a Handler at /callback on a loopback server, as an agent
// would (the emulator allows /callback on any loopback port).
func agent(t *testing.T, cfg login.Config) (*login.Handler, string) {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	if cfg.RedirectURL == "" {
		cfg.RedirectURL = srv.URL + "/callback"
	}
	h, err := login.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/callback", h)
	return h, srv.URL + "/callback"
}

// clock is a settable clock for Config.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now()} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// start calls Start and fails the test on an error.
func start(t *testing.T, h *login.Handler, c *drs.Client, d drs.Device, cb func(error, drs.Token)) string {
	t.Helper()
	u, err := h.Start(c, d, cb)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// returnURL walks the customer's side of a login from start (a link or an
// authorize URL) in browser b and allows, but stops at the redirect back to
// redirect, returning that URL (with code and state) unvisited.
func returnURL(t *testing.T, b *drssimtest.Browser, start string) string {
	t.Helper()
	p, err := b.Get(t.Context(), start)
	if err != nil {
		t.Fatal(err)
	}
	_, next, err := b.Answer(t.Context(), p, "allow")
	if err != nil {
		t.Fatal(err)
	}
	if next.Location == "" {
		t.Fatalf("no redirect back: HTTP %d %q", next.Status, next.Title())
	}
	return next.Location
}

// stopBrowser is a browser that stops at the return trip to route.
func stopBrowser(route string) *drssimtest.Browser { return drssimtest.NewBrowser(route + "?") }

// noRedirect is an http.Client that stops at the first redirect.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// get GETs u without following redirects and returns the status.
func get(t *testing.T, u string) int {
	t.Helper()
	resp, err := noRedirect.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// stateOf GETs a link without following the redirect and returns the state
// of the LWA address it redirects to.
func stateOf(t *testing.T, link string) string {
	t.Helper()
	resp, err := noRedirect.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || loc.Query().Get("state") == "" {
		t.Fatalf("GET %s: HTTP %d to %q, want a redirect to LWA with a state", link, resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("state")
}

// getIn GETs u in browser b (with its cookies) and returns the status.
func getIn(t *testing.T, b *drssimtest.Browser, u string) int {
	t.Helper()
	p, err := b.Get(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Status
}

// startRec GETs a link through h directly and returns the LWA URL it
// redirects to and the binding cookie it sets.
func startRec(t *testing.T, h http.Handler, link string) (string, *http.Cookie) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, link, nil))
	cs := rec.Result().Cookies()
	if rec.Code != http.StatusFound || len(cs) != 1 {
		t.Fatalf("GET %s: HTTP %d with cookies %v, want a redirect setting one", link, rec.Code, cs)
	}
	return rec.Header().Get("Location"), cs[0]
}
