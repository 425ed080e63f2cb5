package drs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/internal/pipenet"
)

const (
	testClientID     = "amzn1.application-oa2-client.test"
	testClientSecret = "s3cret-client-secret-value"
	testRefresh      = "Atzr|refresh-token-value-0001"
)

// fakeAmazon is an in-process stand-in for DRS and LWA used by the unit
// tests; the emulator (package drssim) is exercised by the examples and the
// integration tests.
type fakeAmazon struct {
	t      *testing.T
	srv    *httptest.Server
	hc     *http.Client // set for an in-memory fake: the only way to reach it
	mux    *http.ServeMux
	tokens atomic.Int64 // token requests seen

	mu         sync.Mutex
	access     string // the currently valid access token
	refresh    string // the currently valid refresh token
	rotateTo   string // refresh token to hand out on the next refresh, if set
	tokenHold  chan struct{}
	lastForm   url.Values
	expiresIn  int
	tokenError string // OAuth error to answer with, if set
}

func newFake(t *testing.T) *fakeAmazon {
	t.Helper()
	f := newUnstartedFake(t)
	f.srv = httptest.NewServer(f.mux)
	t.Cleanup(f.srv.Close)
	return f
}

// newFakeInMemory is newFake over in-memory connections, for tests in a
// testing/synctest bubble: its clients (see client) reach it through
// pipenet, and nothing blocks on a socket.
func newFakeInMemory(t *testing.T) *fakeAmazon {
	t.Helper()
	f := newUnstartedFake(t)
	ln := pipenet.NewListener("fake-amazon.invalid:80")
	f.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: f.mux}}
	f.srv.Start()
	f.hc = ln.Client()
	t.Cleanup(func() { f.hc.CloseIdleConnections(); f.srv.Close() })
	return f
}

func newUnstartedFake(t *testing.T) *fakeAmazon {
	f := &fakeAmazon{t: t, mux: http.NewServeMux(), refresh: testRefresh, expiresIn: 3600}
	f.mux.HandleFunc("POST /auth/o2/token", f.token)
	return f
}

func (f *fakeAmazon) endpoints() drs.Endpoints {
	return drs.Endpoints{DRS: f.srv.URL, AuthURL: f.srv.URL + "/ap/oa", TokenURL: f.srv.URL + "/auth/o2/token"}
}

// client returns a Client for f with retries that do not sleep.
func (f *fakeAmazon) client(opts ...drs.Option) *drs.Client {
	f.t.Helper()
	base := []drs.Option{
		drs.WithEndpoints(f.endpoints()),
		drs.WithRetryPolicy(drs.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 50 * time.Millisecond}),
	}
	if f.hc != nil {
		base = append(base, drs.WithHTTPClient(f.hc))
	}
	c, err := drs.New(testClientID, testClientSecret, append(base, opts...)...)
	if err != nil {
		f.t.Fatal(err)
	}
	c.SetRefreshToken(testRefresh)
	return c
}

func (f *fakeAmazon) token(w http.ResponseWriter, r *http.Request) {
	n := f.tokens.Add(1)
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	f.mu.Lock()
	f.lastForm = r.PostForm
	hold, oauthErr := f.tokenHold, f.tokenError
	f.mu.Unlock()
	if hold != nil {
		<-hold
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("X-Amzn-Requestid", "lwa-req-1")
	if oauthErr != "" {
		w.Header().Set("X-Amzn-Errortype", "OA2InvalidRequestException:http://internal.amazon.com/coral/com.amazon.panda/")
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"error_description":"The request has an invalid grant parameter : refresh_token","error":%q}`, oauthErr)
		return
	}
	if r.PostForm.Get("client_secret") != testClientSecret || r.PostForm.Get("client_id") != testClientID {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"error":"invalid_client","error_description":"Client authentication failed"}`)
		return
	}
	f.mu.Lock()
	switch r.PostForm.Get("grant_type") {
	case "refresh_token":
		if r.PostForm.Get("refresh_token") != f.refresh {
			f.mu.Unlock()
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error_description":"The request has an invalid grant parameter : refresh_token","error":"invalid_grant"}`)
			return
		}
		if f.rotateTo != "" {
			f.refresh, f.rotateTo = f.rotateTo, ""
		}
	case "authorization_code":
		if r.PostForm.Get("code") != "good-code" {
			f.mu.Unlock()
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error_description":"The request has an invalid grant parameter : code","error":"invalid_grant"}`)
			return
		}
		f.refresh = "Atzr|from-code"
	}
	f.access = fmt.Sprintf("Atza|access-%d", n)
	body, _ := json.Marshal(map[string]any{"access_token": f.access, "refresh_token": f.refresh, "token_type": "bearer", "expires_in": f.expiresIn})
	f.mu.Unlock()
	w.Write(body)
}

// authorized reports whether r carries the currently valid access token, and
// answers DRS's invalid-token error if not.
func (f *fakeAmazon) authorized(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	ok := f.access != "" && r.Header.Get("Authorization") == "Bearer "+f.access
	f.mu.Unlock()
	if !ok {
		w.Header().Set("X-Amzn-Errortype", "InvalidTokenException:http://internal.amazon.com/coral/com.amazon.parkeraccioservice/")
		w.Header().Set("X-Amzn-Requestid", "req-invalid")
		w.WriteHeader(400)
		fmt.Fprint(w, `{"message":"Invalid token"}`)
	}
	return ok
}

// handle registers a DRS handler that first checks the bearer token and
// counts requests.
func (f *fakeAmazon) handle(pattern string, h http.HandlerFunc) *atomic.Int64 {
	var n atomic.Int64
	f.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if f.authorized(w, r) {
			h(w, r)
		}
	})
	return &n
}

func jsonReply(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Requestid", "req-1")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

func wantCode(t *testing.T, err error, code int) *drs.Error {
	t.Helper()
	if got := drs.Code(err); got != code {
		t.Fatalf("error code = %d, want %d (err: %v)", got, code, err)
	}
	e, _ := err.(*drs.Error)
	if e == nil && err != nil {
		t.Fatalf("error %T is not *drs.Error", err)
	}
	return e
}

func assertNoSecrets(t *testing.T, where, s string, secrets ...string) {
	t.Helper()
	for _, sec := range append(secrets, testClientSecret, testRefresh, "Atza|") {
		if sec != "" && strings.Contains(s, sec) {
			t.Errorf("%s leaks a secret %q: %s", where, sec, s)
		}
	}
}

func contextCancelled(t *testing.T) (context.Context, context.CancelFunc) {
	return context.WithCancel(t.Context())
}

var netOpError = net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
