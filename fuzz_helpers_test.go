package drs_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/amazondrs/drs"
)

// The fuzz targets share one loopback server per target (set up before
// f.Fuzz) whose DRS and LWA answers each input replaces; a fuzz worker runs
// its inputs one at a time, so the server's state is per input. Going
// through a real server (not a fake RoundTripper) keeps what the wire
// allows and refuses: header values, status codes, body framing.

const (
	fzClientID     = "amzn1.application-oa2-client.fuzz"
	fzClientSecret = "fuzz-client-secret-0123456789"
	fzAccess       = "Atza|fuzz-access-token-0001"
	fzRefresh      = "Atzr|fuzz-refresh-token-0001"
	fzTokenPath    = "/auth/o2/token"
)

// fzAmazon is the loopback stand-in for DRS and LWA.
type fzAmazon struct {
	srv *httptest.Server
	hc  *http.Client

	mu       sync.Mutex
	drs      http.HandlerFunc
	token    http.HandlerFunc
	drsURIs  []string // RequestURI of every DRS request
	drsPaths []string // its decoded URL.Path
	tokenN   int
	grants   []url.Values // every token request's form
}

func newFzAmazon(f *testing.F) *fzAmazon {
	a := &fzAmazon{}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	tr := &http.Transport{MaxIdleConnsPerHost: 8}
	a.hc = &http.Client{Transport: tr, Timeout: 10 * time.Second}
	f.Cleanup(func() {
		tr.CloseIdleConnections()
		a.srv.Close()
	})
	return a
}

func (a *fzAmazon) serve(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	var h http.HandlerFunc
	if r.URL.Path == fzTokenPath {
		r.ParseForm()
		a.tokenN++
		a.grants = append(a.grants, r.PostForm)
		h = a.token
	} else {
		io.Copy(io.Discard, r.Body)
		a.drsURIs = append(a.drsURIs, r.RequestURI)
		a.drsPaths = append(a.drsPaths, r.URL.Path)
		h = a.drs
	}
	a.mu.Unlock()
	if h == nil {
		w.WriteHeader(http.StatusTeapot)
		return
	}
	h(w, r)
}

// reset clears the counters and sets the answers for the next input; nil
// keeps the default (a valid token, a valid replenish result).
func (a *fzAmazon) reset(drsH, tokenH http.HandlerFunc) {
	if drsH == nil {
		drsH = fzReply(200, nil, []byte(`{"eventInstanceId":"amzn1.dash.v2.o.fz","detailCode":"TEST_ORDER_PLACED"}`))
	}
	if tokenH == nil {
		tokenH = fzReply(200, http.Header{"Content-Type": {"application/json"}},
			[]byte(`{"access_token":"`+fzAccess+`","refresh_token":"`+fzRefresh+`","token_type":"bearer","expires_in":3600}`))
	}
	a.mu.Lock()
	a.drs, a.token = drsH, tokenH
	a.drsURIs, a.drsPaths, a.tokenN, a.grants = nil, nil, 0, nil
	a.mu.Unlock()
}

func (a *fzAmazon) counts() (drsN, tokenN int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.drsURIs), a.tokenN
}

func (a *fzAmazon) endpoints() drs.Endpoints {
	return drs.Endpoints{DRS: a.srv.URL, AuthURL: a.srv.URL + "/ap/oa", TokenURL: a.srv.URL + fzTokenPath}
}

// client returns a Client for a with a valid cached access token, retries
// that never sleep, and debug output captured in the returned buffer.
func (a *fzAmazon) client(t *testing.T, opts ...drs.Option) (*drs.Client, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	base := []drs.Option{
		drs.WithHTTPClient(a.hc),
		drs.WithEndpoints(a.endpoints()),
		drs.WithRetryPolicy(drs.RetryPolicy{MaxAttempts: 3}),
		drs.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		drs.WithDebug(true),
	}
	c, err := drs.New(fzClientID, fzClientSecret, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(drs.Token{AccessToken: fzAccess, RefreshToken: fzRefresh, Expiry: time.Now().Add(time.Hour)})
	return c, &logs
}

// fzReply answers with status, header and body as given.
func fzReply(status int, h http.Header, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for k, v := range h {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		w.Write(body)
	}
}

// fzStatus maps any int to a status a Go server can send (200-999; Go's
// server sends 1xx as informational headers, not as the answer).
func fzStatus(s int) int {
	if s >= 200 && s <= 999 {
		return s
	}
	s %= 800
	if s < 0 {
		s = -s
	}
	return 200 + s
}

// fzHeaderValue strips what a header value may not hold (control
// characters other than tab): Go's server would send them, but its client
// refuses the whole response as malformed (code 56), so such an input tests
// nothing about the library's error parsing.
func fzHeaderValue(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c >= ' ' || c == '\t') && c != 0x7f {
			b = append(b, c) // bytes >= 0x80 stay, valid UTF-8 or not
		}
	}
	return string(b)
}

// fzCheckError checks what every error a Client returns promises: an
// *drs.Error whose text is one line of valid UTF-8 holding no secret that
// the input did not hold itself.
func fzCheckError(t *testing.T, err error, input []byte) *drs.Error {
	t.Helper()
	var e *drs.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v is not a *drs.Error", err, err)
	}
	fzCheckLine(t, "Error()", e.Error())
	fzCheckSecrets(t, "Error()", e.Error(), input)
	return e
}

// fzCheckLine fails if s is not a single line of valid UTF-8 without
// control characters.
func fzCheckLine(t *testing.T, what, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%s is not valid UTF-8: %q", what, s)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			t.Fatalf("%s holds control character %U: %q", what, r, s)
		}
	}
}

func fzCheckSecrets(t *testing.T, what, s string, input []byte) {
	t.Helper()
	for _, sec := range []string{fzClientSecret, fzAccess, fzRefresh} {
		if strings.Contains(s, sec) && !bytes.Contains(input, []byte(sec)) {
			t.Fatalf("%s leaks %q: %s", what, sec, s)
		}
	}
}

// fzCheckLogs checks the debug output: no secret the input did not hold.
// (slog's text handler quotes values, so each record is one line.)
func fzCheckLogs(t *testing.T, logs *bytes.Buffer, input []byte) {
	t.Helper()
	fzCheckSecrets(t, "debug output", logs.String(), input)
}
