package drs_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/store"
)

// credentialRecorder is a server that records every request reaching it and
// whether it carried a credential of the Client.
type credentialRecorder struct {
	srv         *httptest.Server
	requests    atomic.Int64
	credentials atomic.Int64
}

func newCredentialRecorder(t *testing.T, secrets ...string) *credentialRecorder {
	r := &credentialRecorder{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.requests.Add(1)
		b, _ := io.ReadAll(req.Body)
		all := req.URL.String() + " " + string(b) + " " + req.Header.Get("Authorization")
		for _, s := range secrets {
			if strings.Contains(all, s) {
				r.credentials.Add(1)
			}
		}
		w.WriteHeader(200)
		io.WriteString(w, `{"access_token":"Atza|stolen","refresh_token":"Atzr|stolen","token_type":"bearer","expires_in":3600}`)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// TestRedirectsCarryNoCredentials: the token endpoint and DRS answer with a
// redirect to a second local server, on 127.0.0.1 and as localhost, with
// every redirect status, and the caller's own http.Client would follow any
// redirect. The second server must get no request at all, so no credential;
// the error carries the status as its code and the Location without query.
func TestRedirectsCarryNoCredentials(t *testing.T) {
	rec := newCredentialRecorder(t, testClientSecret, testRefresh, "Atza|")
	targets := map[string]string{
		"127.0.0.1 other port": rec.srv.URL + "/steal?refresh=" + testRefresh,
		"localhost":            strings.Replace(rec.srv.URL, "127.0.0.1", "localhost", 1) + "/steal?refresh=" + testRefresh,
	}
	follower := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	for name, loc := range targets {
		for _, status := range []int{301, 302, 303, 307, 308} {
			t.Run(name, func(t *testing.T) {
				f := newFake(t)
				var tokenHits, drsHits atomic.Int64
				f.mux.HandleFunc("POST /redirect/auth/o2/token", func(w http.ResponseWriter, r *http.Request) {
					tokenHits.Add(1)
					http.Redirect(w, r, loc, status)
				})
				f.mux.HandleFunc("POST /replenish/{slot}", func(w http.ResponseWriter, r *http.Request) {
					drsHits.Add(1)
					http.Redirect(w, r, loc, status)
				})
				ep := f.endpoints()
				ep.TokenURL = f.srv.URL + "/redirect/auth/o2/token"
				c := f.client(drs.WithEndpoints(ep), drs.WithHTTPClient(follower))

				// The refresh is redirected.
				_, err := c.Replenish(t.Context(), "slot-1")
				e := wantCode(t, err, status)
				if e.Location != rec.srv.URL[:0]+strings.SplitN(loc, "?", 2)[0] {
					t.Errorf("Location = %q, want it without its query", e.Location)
				}
				if tokenHits.Load() != 1 || drsHits.Load() != 0 {
					t.Errorf("token requests %d, DRS requests %d; want 1 and 0", tokenHits.Load(), drsHits.Load())
				}
				assertNoSecrets(t, "error", err.Error())

				// With a valid token, DRS redirects Replenish.
				ep.TokenURL = f.srv.URL + "/auth/o2/token"
				c = f.client(drs.WithEndpoints(ep), drs.WithHTTPClient(follower))
				_, err = c.Replenish(t.Context(), "slot-1")
				wantCode(t, err, status)
				if !errors.Is(err, drs.ErrOutcomeUnknown) {
					t.Errorf("a redirected Replenish is not ErrOutcomeUnknown: %v", err)
				}
				if drsHits.Load() != 1 {
					t.Errorf("Replenish sent %d times, want 1", drsHits.Load())
				}
				assertNoSecrets(t, "error", err.Error())
			})
		}
	}
	if n := rec.requests.Load(); n != 0 {
		t.Errorf("the redirect target got %d requests (%d with a credential), want none", n, rec.credentials.Load())
	}
}

// stallServer accepts requests and never answers; it counts them and
// reports each one the client abandoned.
type stallServer struct {
	srv       *httptest.Server
	requests  atomic.Int64
	abandoned chan string
}

func newStallServer(t *testing.T, pass http.Handler) *stallServer {
	s := &stallServer{abandoned: make(chan string, 16)}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if pass != nil && !strings.HasPrefix(r.URL.Path, "/stall") {
			pass.ServeHTTP(w, r)
			return
		}
		s.requests.Add(1)
		io.Copy(io.Discard, r.Body) // then the server notices the client closing the connection
		<-r.Context().Done()
		s.abandoned <- r.URL.Path
	}))
	t.Cleanup(func() { s.srv.CloseClientConnections(); s.srv.Close() })
	return s
}

// waitAbandoned waits for the server to see n requests abandoned; the
// generous bound only keeps a broken build from hanging the test run.
func (s *stallServer) waitAbandoned(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-s.abandoned:
		case <-time.After(time.Minute):
			t.Fatal("the client never gave up on a stalled request")
		}
	}
}

// TestDeadlinesHold: a caller's http.Client without any timeout and a
// server that never answers. AttemptTimeout ends each attempt; MaxElapsed
// ends the call with an attempt in flight (its AttemptTimeout is an hour);
// a stalled Replenish ends as ErrOutcomeUnknown and is sent once.
func TestDeadlinesHold(t *testing.T) {
	f := newFake(t)
	stall := newStallServer(t, f.srv.Config.Handler)
	ep := drs.Endpoints{DRS: stall.srv.URL + "/stall", AuthURL: stall.srv.URL + "/ap/oa", TokenURL: stall.srv.URL + "/auth/o2/token"}
	noTimeout := &http.Client{}
	// withToken holds a valid access token, so no refresh runs under the
	// short AttemptTimeouts below (a slow machine must not fail them).
	withToken := func(c *drs.Client) *drs.Client {
		c.SetToken(drs.Token{AccessToken: "Atza|stall-test", RefreshToken: testRefresh, Expiry: time.Now().Add(time.Hour)})
		return c
	}

	t.Run("AttemptTimeout", func(t *testing.T) {
		c := withToken(f.client(drs.WithEndpoints(ep), drs.WithHTTPClient(noTimeout),
			drs.WithRetryPolicy(drs.RetryPolicy{MaxAttempts: 2, AttemptTimeout: 50 * time.Millisecond})))
		before := stall.requests.Load()
		err := c.ReportDeviceStatus(t.Context(), drs.DeviceStatus{MostRecentlyActiveDate: time.Now()})
		wantCode(t, err, drs.CodeTimeout)
		if n := stall.requests.Load() - before; n != 2 {
			t.Errorf("requests = %d, want 2 (one retry after a timeout)", n)
		}
		stall.waitAbandoned(t, 2)
	})
	t.Run("MaxElapsed cuts an attempt in flight", func(t *testing.T) {
		c := withToken(f.client(drs.WithEndpoints(ep), drs.WithHTTPClient(noTimeout),
			drs.WithRetryPolicy(drs.RetryPolicy{MaxAttempts: 3, AttemptTimeout: time.Hour, MaxElapsed: 100 * time.Millisecond})))
		before := stall.requests.Load()
		_, err := c.SubscriptionInfo(t.Context())
		wantCode(t, err, drs.CodeTimeout)
		if n := stall.requests.Load() - before; n != 1 {
			t.Errorf("requests = %d, want 1", n)
		}
		stall.waitAbandoned(t, 1)
	})
	t.Run("stalled Replenish", func(t *testing.T) {
		c := withToken(f.client(drs.WithEndpoints(ep), drs.WithHTTPClient(noTimeout),
			drs.WithRetryPolicy(drs.RetryPolicy{MaxAttempts: 4, AttemptTimeout: 50 * time.Millisecond})))
		before := stall.requests.Load()
		_, err := c.Replenish(t.Context(), "slot-1")
		wantCode(t, err, drs.CodeTimeout)
		if !errors.Is(err, drs.ErrOutcomeUnknown) {
			t.Errorf("a stalled Replenish is not ErrOutcomeUnknown: %v", err)
		}
		if n := stall.requests.Load() - before; n != 1 {
			t.Errorf("Replenish sent %d times, want 1", n)
		}
		stall.waitAbandoned(t, 1)
	})
	t.Run("waiting for a stalled shared refresh", func(t *testing.T) {
		ep := ep
		ep.TokenURL = stall.srv.URL + "/stall/auth/o2/token"
		c := f.client(drs.WithEndpoints(ep), drs.WithHTTPClient(noTimeout),
			drs.WithRetryPolicy(drs.RetryPolicy{MaxAttempts: 1, AttemptTimeout: time.Hour, MaxElapsed: 100 * time.Millisecond}))
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Go(func() { _, errs[i] = c.Replenish(t.Context(), "slot-1") })
		}
		wg.Wait()
		for _, err := range errs {
			wantCode(t, err, drs.CodeTimeout)
			if errors.Is(err, drs.ErrOutcomeUnknown) {
				t.Errorf("a Replenish that never got a token is ErrOutcomeUnknown: %v", err)
			}
		}
		stall.waitAbandoned(t, 1) // the one shared refresh, bounded by MaxElapsed too
	})
}

// TestReplenishOutcome: which Replenish failures say "an order may have
// been placed".
func TestReplenishOutcome(t *testing.T) {
	for _, tc := range []struct {
		name    string
		h       http.HandlerFunc
		unknown bool
	}{
		{"500", jsonReply(500, `{"message":"oops"}`), true},
		{"undecodable 200", jsonReply(200, `{"eventInstanceId":`), true},
		{"200 without detailCode", jsonReply(200, `{"eventInstanceId":"x"}`), true},
		{"empty reply", func(w http.ResponseWriter, r *http.Request) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}, true},
		{"400", jsonReply(400, `{"message":"bad"}`), false},
		{"404", jsonReply(404, `{"message":"no such slot"}`), false},
		{"429", jsonReply(429, `{"message":"slow down"}`), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			n := f.handle("POST /replenish/{slot}", tc.h)
			c := f.client()
			_, err := c.Replenish(t.Context(), "slot-1")
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, drs.ErrOutcomeUnknown); got != tc.unknown {
				t.Errorf("ErrOutcomeUnknown = %v, want %v (err: %v)", got, tc.unknown, err)
			}
			if n.Load() != 1 {
				t.Errorf("Replenish sent %d times, want 1", n.Load())
			}
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := l.Addr().String()
		l.Close()
		f := newFake(t)
		ep := f.endpoints()
		ep.DRS = "http://" + addr
		c := f.client(drs.WithEndpoints(ep))
		_, err := c.Replenish(t.Context(), "slot-1")
		wantCode(t, err, drs.CodeCouldNotConnect)
		if errors.Is(err, drs.ErrOutcomeUnknown) {
			t.Errorf("a refused connection is ErrOutcomeUnknown: %v", err)
		}
	})
}

// TestEncryptedRefreshTokenRefused: a refresh token that is still an
// encrypted store value is never sent to Amazon and is not reported as
// "not authenticated".
func TestEncryptedRefreshTokenRefused(t *testing.T) {
	f := newFake(t)
	c := f.client()
	c.SetRefreshToken(store.EncryptedPrefix + "AAAAbm9wZQ")
	_, err := c.SubscriptionInfo(t.Context())
	e := wantCode(t, err, drs.CodeGeneral)
	if errors.Is(err, drs.ErrNotAuthenticated) || !strings.Contains(e.Message, "DRS_STORE_KEY") || !strings.Contains(e.Message, "encrypted") {
		t.Errorf("error = %v, want one saying the store is encrypted and to set DRS_STORE_KEY", err)
	}
	if n := f.tokens.Load(); n != 0 {
		t.Errorf("%d token requests, want none", n)
	}

	// Through a store opened without its key, New itself refuses.
	st := store.Memory()
	key := store.Key{ClientID: testClientID, DeviceModel: "M", Serial: "S"}
	if err := st.Save(t.Context(), key, store.EncryptedPrefix+"AAAAbm9wZQ"); err != nil {
		t.Fatal(err)
	}
	_, err = drs.New(testClientID, testClientSecret, drs.WithEndpoints(f.endpoints()), drs.WithTokenStore(st, "M", "S"))
	if err == nil || !strings.Contains(err.Error(), "DRS_STORE_KEY") {
		t.Errorf("New = %v, want an error saying to set DRS_STORE_KEY", err)
	}
}

// TestDeregisterAlreadyRevoked: the first deregistration request is
// processed but its answer lost; the retry meets "Invalid token", the
// refresh invalid_grant. That counts as done: nil, the result says so, the
// stored token is deleted.
func TestDeregisterAlreadyRevoked(t *testing.T) {
	f := newFake(t)
	calls := f.handle("DELETE /registration", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.access, f.refresh = "", "Atzr|revoked-by-deregistration" // every token revoked
		f.mu.Unlock()
		w.WriteHeader(500) // and the answer lost
	})
	st := store.Memory()
	key := store.Key{ClientID: testClientID, DeviceModel: "M", Serial: "S"}
	if err := st.Save(t.Context(), key, testRefresh); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	c := f.client(drs.WithTokenStore(st, "M", "S"), drs.WithDebug(true),
		drs.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	res, err := c.DeregisterWithResult(t.Context())
	if err != nil || !res.AlreadyRevoked {
		t.Fatalf("DeregisterWithResult = %+v, %v; want AlreadyRevoked and no error", res, err)
	}
	if calls.Load() != 2 {
		t.Errorf("deregistration requests = %d, want 2", calls.Load())
	}
	if _, err := st.Load(t.Context(), key); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("stored token after deregistration: %v, want ErrNotFound", err)
	}
	if c.RefreshToken() != "" {
		t.Error("the client kept its refresh token")
	}
	if !strings.Contains(logs.String(), "already revoked") {
		t.Errorf("no debug line gives the reason:\n%s", logs.String())
	}
}

// TestSaveErrorReachesCaller: LWA rotates the refresh token on a refresh
// and the store cannot save it. The call itself succeeds (the token works
// in memory), and the failure reaches OnSaveError, or else the logger at
// level Error even with debug output off; nothing else is logged.
func TestSaveErrorReachesCaller(t *testing.T) {
	const rotated = "Atzr|rotated-refresh-token-0002"
	setup := func(t *testing.T, opts ...drs.StoreOption) (*fakeAmazon, drs.Option) {
		f := newFake(t)
		f.handle("GET /subscriptionInfo", jsonReply(200, `{"slotsSubscriptionStatus":{}}`))
		f.rotateTo = rotated
		st := failingStore{MemoryStore: store.Memory(), saveErr: errors.New("disk full")}
		return f, drs.WithTokenStore(st, "M", "S", opts...)
	}
	t.Run("OnSaveError", func(t *testing.T) {
		var got []error
		f, opt := setup(t, drs.OnSaveError(func(err error) { got = append(got, err) }))
		c := f.client(opt)
		if _, err := c.SubscriptionInfo(t.Context()); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || !strings.Contains(got[0].Error(), "disk full") || !strings.Contains(got[0].Error(), "/M/S") {
			t.Fatalf("OnSaveError got %v, want one error naming the record and the cause", got)
		}
		assertNoSecrets(t, "save error", got[0].Error(), rotated)
	})
	t.Run("logger", func(t *testing.T) {
		var logs bytes.Buffer
		f, opt := setup(t)
		c := f.client(opt, drs.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
		if _, err := c.SubscriptionInfo(t.Context()); err != nil {
			t.Fatal(err)
		}
		out := logs.String()
		if strings.Count(out, "\n") != 1 || !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "disk full") {
			t.Errorf("log = %q, want exactly the one save error (debug output is off)", out)
		}
		assertNoSecrets(t, "log", out, rotated)
	})
}

// TestReplenishWireBody: the body that keeps HTTP/2 from resending an order
// still goes out over HTTP/1 as an empty body with Content-Length 0, not
// chunked.
func TestReplenishWireBody(t *testing.T) {
	f := newFake(t)
	var te []string
	var cl int64 = -2
	f.handle("POST /replenish/{slot}", func(w http.ResponseWriter, r *http.Request) {
		te, cl = r.TransferEncoding, r.ContentLength
		jsonReply(200, `{"eventInstanceId":"e","detailCode":"TEST_ORDER_PLACED"}`)(w, r)
	})
	if _, err := f.client().Replenish(t.Context(), "slot-1"); err != nil {
		t.Fatal(err)
	}
	if len(te) != 0 || cl != 0 {
		t.Errorf("Transfer-Encoding %q, Content-Length %d; want none and 0", te, cl)
	}
}
