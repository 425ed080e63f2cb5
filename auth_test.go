package drs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/amazondrs/drs"
)

// clock is a settable time source for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const orderJSON = `{"eventInstanceId":"amzn1.dash.v2.o.1","detailCode":"TEST_ORDER_PLACED"}`

// TestOneRefreshForManyCallers: 1,000 goroutines on one client whose token
// has expired cause exactly one token request.
func TestOneRefreshForManyCallers(t *testing.T) {
	synctest.Test(t, testOneRefreshForManyCallers)
}

func testOneRefreshForManyCallers(t *testing.T) {
	f := newFakeInMemory(t)
	f.handle("/", jsonReply(200, orderJSON))
	clk := &clock{t: time.Now()}
	c := f.client(drs.WithClock(clk.now))
	if _, err := c.Replenish(t.Context(), "s"); err != nil {
		t.Fatal(err)
	}
	clk.advance(time.Hour) // the access token is now expired
	f.tokens.Store(0)
	hold := make(chan struct{})
	f.mu.Lock()
	f.tokenHold = hold // keep the refresh in flight while everyone piles up
	f.mu.Unlock()
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range 1000 {
		wg.Go(func() {
			if _, err := c.SubscriptionInfoV1(t.Context()); err != nil && !strings.Contains(err.Error(), "not the JSON") {
				failed.Add(1)
			}
		})
	}
	synctest.Wait() // everyone waits for the one refresh, which the fake holds
	close(hold)
	wg.Wait()
	if n := f.tokens.Load(); n != 1 {
		t.Errorf("token requests = %d, want exactly 1", n)
	}
	if failed.Load() != 0 {
		t.Errorf("%d calls failed", failed.Load())
	}
}

func TestInvalidTokenRefreshesOnceAndRetries(t *testing.T) {
	f := newFake(t)
	n := f.handle("/", jsonReply(200, orderJSON))
	c := f.client()
	if _, err := c.Replenish(t.Context(), "s"); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.access = "Atza|revoked-by-server" // DRS no longer accepts the cached token
	f.mu.Unlock()
	f.tokens.Store(0)
	n.Store(0)
	res, err := c.Replenish(t.Context(), "s")
	if err != nil {
		t.Fatal(err)
	}
	if res.DetailCode != drs.TestOrderPlaced || f.tokens.Load() != 1 || n.Load() != 2 {
		t.Errorf("detail %s, token requests %d, DRS requests %d; want TEST_ORDER_PLACED, 1, 2", res.DetailCode, f.tokens.Load(), n.Load())
	}

	// A token DRS keeps refusing gives up after one refresh.
	always := newFake(t)
	m := always.handle("/", nil)
	always.mux = http.NewServeMux()
	always.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/auth/o2/token" {
			always.token(w, r)
			return
		}
		m.Add(1)
		w.Header().Set("X-Amzn-Errortype", "InvalidTokenException:x")
		jsonReply(400, `{"message":"Invalid token"}`)(w, r)
	})
	_, err = always.client().Replenish(t.Context(), "s")
	wantCode(t, err, 400)
	if !errors.Is(err, drs.ErrInvalidToken) || m.Load() != 2 || always.tokens.Load() != 2 {
		t.Errorf("err %v, DRS requests %d, token requests %d; want ErrInvalidToken, 2, 2", err, m.Load(), always.tokens.Load())
	}
}

func TestNotAuthenticated(t *testing.T) {
	f := newFake(t)
	n := f.handle("/", jsonReply(200, orderJSON))
	c := f.client()
	c.SetRefreshToken("")
	_, err := c.Replenish(t.Context(), "s")
	wantCode(t, err, drs.CodeNotAuthenticated)
	if !errors.Is(err, drs.ErrNotAuthenticated) || n.Load() != 0 || f.tokens.Load() != 0 {
		t.Errorf("err %v, requests %d/%d", err, n.Load(), f.tokens.Load())
	}

	// LWA rejects the refresh token: code 1000, the access token is dropped.
	clk := &clock{t: time.Now()}
	c = f.client(drs.WithClock(clk.now))
	if _, err := c.Replenish(t.Context(), "s"); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.refresh = "Atzr|some-other"
	f.mu.Unlock()
	clk.advance(2 * time.Hour)
	_, err = c.Replenish(t.Context(), "s")
	e := wantCode(t, err, drs.CodeNotAuthenticated)
	if e.OAuthError != "invalid_grant" || e.StatusCode != 400 || e.ErrorType != "" && e.ErrorType != "OA2InvalidRequestException" {
		t.Errorf("error fields = %+v", e)
	}
	if tok := c.Token(); tok.AccessToken != "" || tok.RefreshToken != testRefresh {
		t.Errorf("after invalid_grant token = %v, want access dropped and refresh kept", tok)
	}
	assertNoSecrets(t, "error", err.Error())
}

func TestTokenCachedUntilShortlyBeforeExpiry(t *testing.T) {
	f := newFake(t)
	f.handle("/", jsonReply(200, orderJSON))
	clk := &clock{t: time.Now()}
	c := f.client(drs.WithClock(clk.now))
	for range 3 {
		if _, err := c.Replenish(t.Context(), "s"); err != nil {
			t.Fatal(err)
		}
	}
	clk.advance(58 * time.Minute)
	c.Replenish(t.Context(), "s")
	if f.tokens.Load() != 1 {
		t.Fatalf("token requests = %d before expiry, want 1", f.tokens.Load())
	}
	clk.advance(90 * time.Second) // within a minute of expiry
	c.Replenish(t.Context(), "s")
	if f.tokens.Load() != 2 {
		t.Fatalf("token requests = %d near expiry, want 2", f.tokens.Load())
	}
	if got := f.lastForm; got.Get("grant_type") != "refresh_token" || got.Get("refresh_token") != testRefresh ||
		got.Get("client_id") != testClientID || got.Get("client_secret") != testClientSecret {
		t.Errorf("refresh form = %v", got)
	}
}

func TestTokenChangeHook(t *testing.T) {
	f := newFake(t)
	f.handle("/", jsonReply(200, orderJSON))
	var mu sync.Mutex
	var seen []string
	hook := drs.WithTokenChange(func(tk drs.Token) { mu.Lock(); seen = append(seen, tk.RefreshToken); mu.Unlock() })
	clk := &clock{t: time.Now()}
	c := f.client(hook, drs.WithClock(clk.now))

	c.Replenish(t.Context(), "s") // same refresh token back: no call
	f.mu.Lock()
	f.rotateTo = "Atzr|rotated"
	f.mu.Unlock()
	clk.advance(2 * time.Hour)
	c.Replenish(t.Context(), "s") // rotated: one call
	if _, err := c.Exchange(t.Context(), "good-code", "http://127.0.0.1:8182/callback"); err != nil {
		t.Fatal(err)
	}
	if err := c.Deregister(t.Context()); err != nil {
		t.Fatal(err)
	}
	want := []string{"Atzr|rotated", "Atzr|from-code", ""}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(seen, ",") != strings.Join(want, ",") {
		t.Errorf("hook saw %q, want %q", seen, want)
	}
	if c.RefreshToken() != "" {
		t.Errorf("refresh token kept after deregistration")
	}
}

func TestExchange(t *testing.T) {
	f := newFake(t)
	c := f.client()
	c.SetRefreshToken("")
	_, err := c.Exchange(t.Context(), "bad-code", "http://127.0.0.1:8182/callback")
	e := wantCode(t, err, 400)
	if e.OAuthError != "invalid_grant" || f.tokens.Load() != 1 {
		t.Errorf("error %+v after %d token requests; want invalid_grant after exactly 1", e, f.tokens.Load())
	}
	tok, err := c.Exchange(t.Context(), "good-code", "http://127.0.0.1:8182/callback")
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken != "Atzr|from-code" || c.RefreshToken() != "Atzr|from-code" || tok.Expiry.IsZero() {
		t.Errorf("token = %v", tok)
	}
	form := f.lastForm
	if form.Get("grant_type") != "authorization_code" || form.Get("code") != "good-code" || form.Get("redirect_uri") != "http://127.0.0.1:8182/callback" ||
		form.Get("client_secret") != testClientSecret {
		t.Errorf("exchange form = %v", form)
	}
	_, err = c.Exchange(t.Context(), "", "x")
	wantCode(t, err, drs.CodeGeneral)

	// Bad client secret: 401 invalid_client.
	bad, _ := drs.New(testClientID, "wrong", drs.WithEndpoints(f.endpoints()))
	_, err = bad.Exchange(t.Context(), "good-code", "x")
	if e := wantCode(t, err, 401); e.OAuthError != "invalid_client" {
		t.Errorf("error = %+v", e)
	}
	assertNoSecrets(t, "error", err.Error(), "wrong")
}

// TestExchangeWithoutRefreshToken: a 200 from LWA that carries an access
// token but no refresh token leaves the device unlinked, code 1000, and the
// Client keeps no token from it.
func TestExchangeWithoutRefreshToken(t *testing.T) {
	f := newFake(t)
	f.mux.HandleFunc("POST /noref/token", jsonReply(200, `{"access_token":"Atza|lonely-access-token","token_type":"bearer","expires_in":3600}`))
	ep := f.endpoints()
	ep.TokenURL = f.srv.URL + "/noref/token"
	var changes int
	c, err := drs.New(testClientID, testClientSecret, drs.WithEndpoints(ep), drs.WithTokenChange(func(drs.Token) { changes++ }))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Exchange(t.Context(), "good-code", "http://127.0.0.1:8182/callback")
	e := wantCode(t, err, drs.CodeNotAuthenticated)
	if !errors.Is(err, drs.ErrNotAuthenticated) || e.Op != "Exchange" {
		t.Errorf("error = %+v, want ErrNotAuthenticated from Exchange", e)
	}
	if tok := c.Token(); tok.AccessToken != "" || tok.RefreshToken != "" || changes != 0 {
		t.Errorf("after a failed exchange the client holds %v and the hook ran %d times", tok, changes)
	}
	assertNoSecrets(t, "error", err.Error(), "Atza|lonely-access-token")
}

func TestAuthCodeURL(t *testing.T) {
	f := newFake(t)
	c := f.client()
	u, err := c.AuthCodeURL("st8", drs.Device{Model: "Model-1", Serial: "SN_1", TestDevice: true, NonLive: true}, "https://agent.example/login", drs.WithPKCE(strings.Repeat("v", 43)))
	if err != nil {
		t.Fatal(err)
	}
	pu, _ := url.Parse(u)
	q := pu.Query()
	if pu.Path != "/ap/oa" || q.Get("client_id") != testClientID || q.Get("scope") != "dash:replenish" || q.Get("response_type") != "code" ||
		q.Get("redirect_uri") != "https://agent.example/login" || q.Get("state") != "st8" ||
		q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") != "7w_YNF9DSfIdPf_pRjSq646_kPr-2-o9NAl16JGghdM" {
		t.Errorf("authorize URL = %s", u)
	}
	var sd map[string]map[string]any
	if err := json.Unmarshal([]byte(q.Get("scope_data")), &sd); err != nil {
		t.Fatal(err)
	}
	r := sd["dash:replenish"]
	if r["device_model"] != "Model-1" || r["serial"] != "SN_1" || r["is_test_device"] != true || r["should_include_non_live"] != true {
		t.Errorf("scope_data = %v", sd)
	}
	u, _ = c.AuthCodeURL("x", drs.Device{Model: "M", Serial: "S"}, "https://a/")
	pu, _ = url.Parse(u)
	if strings.Contains(pu.Query().Get("scope_data"), "non_live") || pu.Query().Has("code_challenge") {
		t.Errorf("should_include_non_live sent for a live device: %s", u)
	}
	for _, p := range []struct {
		d drs.Device
		r string
	}{{drs.Device{Serial: "S"}, "r"}, {drs.Device{Model: "M", Serial: "bad serial"}, "r"}, {drs.Device{Model: "M", Serial: "S"}, ""}} {
		if _, err := c.AuthCodeURL("x", p.d, p.r); drs.Code(err) != drs.CodeGeneral {
			t.Errorf("AuthCodeURL(%+v) error = %v, want code 1010", p, err)
		}
	}
}

func TestRetries(t *testing.T) {
	f := newFake(t)
	var n atomic.Int64
	f.handle("/", func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "0")
			jsonReply(503, `{"message":"busy"}`)(w, r)
		case 2:
			jsonReply(429, `{"message":"slow"}`)(w, r)
		default:
			jsonReply(200, `{"slotsSubscriptionStatus":{"a":true}}`)(w, r)
		}
	})
	if _, err := f.client().SubscriptionInfoV1(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 3 {
		t.Errorf("requests = %d, want 3", n.Load())
	}

	// A Retry-After longer than MaxDelay is not waited for.
	g := newFake(t)
	m := g.handle("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		jsonReply(429, `{"message":"slow"}`)(w, r)
	})
	start := time.Now()
	_, err := g.client().SubscriptionInfoV1(t.Context())
	wantCode(t, err, 429)
	if m.Load() != 1 || time.Since(start) > 5*time.Second {
		t.Errorf("requests = %d after %v, want 1 at once", m.Load(), time.Since(start))
	}
}

// refuseFirst fails the first round trip as a refused dial, then passes.
type refuseFirst struct {
	n    atomic.Int64
	base http.RoundTripper
}

func (r *refuseFirst) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Path != "/auth/o2/token" && r.n.Add(1) == 1 {
		return nil, &url.Error{Op: "Post", URL: req.URL.String(), Err: &netOpError}
	}
	return r.base.RoundTrip(req)
}

func TestReplenishRetriedOnlyWhenNeverSent(t *testing.T) {
	f := newFake(t)
	n := f.handle("/", jsonReply(200, orderJSON))
	rt := &refuseFirst{base: http.DefaultTransport}
	c := f.client(drs.WithHTTPClient(&http.Client{Transport: rt}))
	res, err := c.Replenish(t.Context(), "s")
	if err != nil {
		t.Fatal(err)
	}
	if res.DetailCode != drs.TestOrderPlaced || n.Load() != 1 || rt.n.Load() != 2 {
		t.Errorf("server saw %d orders after %d attempts", n.Load(), rt.n.Load())
	}
}

func TestDebugOutputHasNoSecrets(t *testing.T) {
	f := newFake(t)
	f.handle("/", jsonReply(200, orderJSON))
	var buf bytes.Buffer
	c := f.client(drs.WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	c.Replenish(t.Context(), "s")
	if buf.Len() != 0 {
		t.Fatalf("debug output while debug is off: %s", buf.String())
	}
	c.SetDebug(true)
	c.Exchange(t.Context(), "good-code", "http://x/cb")
	c.Exchange(t.Context(), "bad-code", "http://x/cb")
	c.Replenish(t.Context(), "s")
	f.mu.Lock()
	f.access = ""
	f.mu.Unlock()
	c.Replenish(t.Context(), "s")
	out := buf.String()
	if !strings.Contains(out, "op=Replenish") || !strings.Contains(out, "device linked") {
		t.Errorf("debug output lacks the calls:\n%s", out)
	}
	assertNoSecrets(t, "debug output", out, "Atzr|from-code", "good-code")
	tok := c.Token()
	if s := tok.String(); strings.Contains(s, "Atz") {
		t.Errorf("Token.String leaks: %s", s)
	}
}

func TestNewValidates(t *testing.T) {
	for _, tc := range []struct{ id, secret string }{{"", "s"}, {" ", "s"}, {"id", ""}, {"id", "\t"}, {" id", "s"}} {
		if _, err := drs.New(tc.id, tc.secret); drs.Code(err) != drs.CodeGeneral || !strings.Contains(err.Error(), "client") {
			t.Errorf("New(%q, %q) error = %v", tc.id, tc.secret, err)
		}
	}
	if _, err := drs.New("id", "s", drs.WithEndpoints(drs.Endpoints{DRS: "ftp://x", AuthURL: "https://a", TokenURL: "https://t"})); err == nil ||
		!strings.Contains(err.Error(), "DRS") {
		t.Errorf("bad endpoint accepted: %v", err)
	}
	if _, err := drs.New("id", "s", drs.WithRetryPolicy(drs.RetryPolicy{})); err == nil {
		t.Error("zero retry policy accepted")
	}
}

func TestEmulatorHostEnv(t *testing.T) {
	t.Setenv(drs.EmulatorHostEnv, "127.0.0.1:9999")
	c, err := drs.New("id", "s")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Endpoints(); got != drs.EmulatorEndpoints("127.0.0.1:9999") || got.TokenURL != "http://127.0.0.1:9999/auth/o2/token" {
		t.Errorf("endpoints = %+v", got)
	}
	c, _ = drs.New("id", "s", drs.WithEndpoints(drs.EUEndpoints))
	if c.Endpoints() != drs.EUEndpoints {
		t.Error("an explicit endpoint option must win over the environment")
	}
	t.Setenv(drs.EmulatorHostEnv, "")
	c, _ = drs.New("id", "s")
	if c.Endpoints() != drs.NAEndpoints {
		t.Errorf("default endpoints = %+v", c.Endpoints())
	}
}

// TestTokenChangeHookOrder: when a login replaces the refresh token while
// the hook is still saving the one a refresh rotated to, the hook's last
// call carries the newest token, so a store never ends up behind the Client.
func TestTokenChangeHookOrder(t *testing.T) {
	synctest.Test(t, testTokenChangeHookOrder)
}

func testTokenChangeHookOrder(t *testing.T) {
	f := newFakeInMemory(t)
	f.handle("/replenish/", jsonReply(200, `{"eventInstanceId":"e","detailCode":"TEST_ORDER_PLACED"}`))
	f.mu.Lock()
	f.rotateTo = "Atzr|rotated-by-refresh"
	f.mu.Unlock()
	entered, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	var saved []string
	c := f.client(drs.WithTokenChange(func(tok drs.Token) {
		if tok.RefreshToken == "Atzr|rotated-by-refresh" {
			close(entered)
			<-release
		}
		mu.Lock()
		saved = append(saved, tok.RefreshToken)
		mu.Unlock()
	}))
	c.SetToken(drs.Token{AccessToken: "Atza|expired", RefreshToken: testRefresh, Expiry: time.Now().Add(-time.Hour)})

	done := make(chan error, 2)
	go func() { _, err := c.Replenish(t.Context(), "slot-1"); done <- err }()
	<-entered // the refresh's hook is saving the rotated token
	go func() { _, err := c.Exchange(t.Context(), "good-code", "http://127.0.0.1:8182/callback"); done <- err }()
	synctest.Wait() // the login has run as far as it can, its hook call included if it would make one
	if got := c.RefreshToken(); got != "Atzr|from-code" {
		t.Fatalf("after the login the client holds %q", got)
	}
	close(release)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(saved) == 0 || saved[len(saved)-1] != "Atzr|from-code" {
		t.Errorf("hook calls = %q; the last must be the login's token", saved)
	}
}

// TestTokenChangeHookCallsClient: a hook may call back into the Client, even
// with calls that change the token (a Deregister, a call whose token must be
// refreshed first): nothing deadlocks, and the changes it causes are
// delivered after it returns, newest last.
func TestTokenChangeHookCallsClient(t *testing.T) {
	t.Run("Deregister from the hook", func(t *testing.T) {
		f := newFake(t)
		f.handle("DELETE /registration", jsonReply(200, ``))
		var mu sync.Mutex
		var seen []string
		var c *drs.Client
		c = f.client(drs.WithTokenChange(func(tok drs.Token) {
			mu.Lock()
			seen = append(seen, tok.RefreshToken)
			mu.Unlock()
			if tok.RefreshToken == "Atzr|from-code" {
				if err := c.Deregister(context.Background()); err != nil {
					t.Errorf("Deregister from the hook: %v", err)
				}
			}
		}))
		exchangeWithin(t, c, "Exchange whose hook deregisters did not return: deadlock")
		mu.Lock()
		defer mu.Unlock()
		if len(seen) != 2 || seen[0] != "Atzr|from-code" || seen[1] != "" || c.RefreshToken() != "" {
			t.Errorf("hook saw %q, client holds %q; want the login's token, then the emptied one", seen, c.RefreshToken())
		}
	})
	t.Run("a call that refreshes from the hook", func(t *testing.T) {
		f := newFake(t)
		f.handle("/subscriptionInfo", jsonReply(200, `{"slotsSubscriptionStatus":{}}`))
		f.mu.Lock()
		f.rotateTo = "Atzr|rotated"
		f.mu.Unlock()
		var mu sync.Mutex
		var seen []string
		var c *drs.Client
		c = f.client(drs.WithTokenChange(func(tok drs.Token) {
			mu.Lock()
			seen = append(seen, tok.RefreshToken)
			mu.Unlock()
			if tok.RefreshToken == "Atzr|from-code" {
				// Force the call to refresh: the login's access token is
				// dropped and LWA rotates the refresh token.
				c.SetToken(drs.Token{AccessToken: "Atza|expired", RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Hour)})
				f.mu.Lock()
				f.refresh = tok.RefreshToken
				f.mu.Unlock()
				if _, err := c.SubscriptionInfo(context.Background()); err != nil {
					t.Errorf("SubscriptionInfo from the hook: %v", err)
				}
			}
		}))
		exchangeWithin(t, c, "Exchange whose hook makes a refreshing call did not return: deadlock")
		mu.Lock()
		defer mu.Unlock()
		if len(seen) != 2 || seen[1] != "Atzr|rotated" || c.RefreshToken() != "Atzr|rotated" {
			t.Errorf("hook saw %q, client holds %q; want the login's token, then the rotated one", seen, c.RefreshToken())
		}
	})
}

// exchangeWithin runs c.Exchange of the fake's good code and fails the test
// with what if it does not return within 10 seconds.
func exchangeWithin(t *testing.T, c *drs.Client, what string) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := c.Exchange(context.Background(), "good-code", "http://127.0.0.1:8182/callback")
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal(what)
	}
}
