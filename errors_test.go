package drs_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/amazondrs/drs"
)

// hijackClose answers by closing the connection; with reset it sends a TCP
// RST instead of a FIN.
func hijackClose(reset bool, partial string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		if partial != "" {
			buf.WriteString(partial)
			buf.Flush()
		}
		if tc, ok := conn.(*net.TCPConn); ok && reset {
			tc.SetLinger(0)
		}
		conn.Close()
	}
}

// TestErrorCodes covers every error code of the seed, and each transport
// failure, for a call that is retried (SubscriptionInfo) or not (Replenish).
func TestErrorCodes(t *testing.T) {
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		code      int
		sentinel  error
		requests  int // how many requests reach the server for Replenish
		retriedTo int // and for SubscriptionInfo (MaxAttempts 3)
	}{
		{"404 unknown slot", jsonReply(404, `{"message":"Slot not found"}`), 404, drs.ErrSlotNotFound, 1, 1},
		{"400 bad request", jsonReply(400, `{"message":"Bad input"}`), 400, drs.ErrHTTP, 1, 1},
		{"500", jsonReply(500, `{"message":"boom"}`), 500, drs.ErrHTTP, 1, 3},
		{"503 html", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(503)
			w.Write([]byte("<html><body>Service Unavailable</body></html>"))
		}, 503, drs.ErrHTTP, 1, 3},
		{"429", jsonReply(429, `{"message":"slow down"}`), 429, drs.ErrRateLimited, 1, 3},
		{"non-JSON 200", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>ok</html>")) }, drs.CodeGeneral, drs.ErrGeneral, 1, 1},
		{"empty 200", func(w http.ResponseWriter, r *http.Request) {}, drs.CodeGeneral, drs.ErrGeneral, 1, 1},
		{"JSON of the wrong shape", jsonReply(200, `{"foo":1}`), drs.CodeGeneral, drs.ErrGeneral, 1, 1},
		{"empty reply", hijackClose(false, ""), drs.CodeEmptyReply, drs.ErrTransport, 1, 3},
		{"connection reset", hijackClose(true, ""), drs.CodeReceiveError, drs.ErrTransport, 1, 3},
		{"truncated body", hijackClose(false, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"eventInstanceId\":"), drs.CodePartialBody, drs.ErrTransport, 1, 3},
		{"body over 1 MiB", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"eventInstanceId":"` + strings.Repeat("x", 1<<20) + `"}`))
		}, drs.CodeBodyTooLarge, drs.ErrTransport, 1, 1},
		{"timeout", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}, drs.CodeTimeout, drs.ErrTimeout, 1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			n := f.handle("/", tt.handler)
			c := f.client(drs.WithHTTPClient(&http.Client{Timeout: 300 * time.Millisecond}))
			_, err := c.Replenish(t.Context(), "slot-1")
			e := wantCode(t, err, tt.code)
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(err, %v) = false for %v", tt.sentinel, err)
			}
			if got := n.Load(); got != int64(tt.requests) {
				t.Errorf("Replenish sent %d requests, want %d", got, tt.requests)
			}
			if tt.code >= 100 && tt.code < 1000 && (e.StatusCode != tt.code || e.RequestID != "req-1" && tt.code != 503) {
				t.Errorf("StatusCode = %d, RequestID = %q", e.StatusCode, e.RequestID)
			}
			assertNoSecrets(t, "error", err.Error())
			n.Store(0)
			_, err = c.SubscriptionInfo(t.Context())
			wantCode(t, err, tt.code)
			if got := n.Load(); got != int64(tt.retriedTo) {
				t.Errorf("SubscriptionInfo sent %d requests, want %d", got, tt.retriedTo)
			}
		})
	}
}

func TestAPIErrorFields(t *testing.T) {
	f := newFake(t)
	f.handle("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amzn-Errortype", "ValidationException:http://internal.amazon.com/coral/x/")
		jsonReply(400, `{"message":"remainingQuantityInUnit is missing"}`)(w, r)
	})
	_, err := f.client().Replenish(t.Context(), "s")
	var e *drs.Error
	if !errors.As(err, &e) {
		t.Fatalf("%T is not *drs.Error", err)
	}
	if e.Code != 400 || e.StatusCode != 400 || e.ErrorType != "ValidationException" || e.Message != "remainingQuantityInUnit is missing" ||
		e.RequestID != "req-1" || e.Op != "Replenish" || !strings.Contains(string(e.Body), "missing") {
		t.Errorf("error fields = %+v", e)
	}
	want := "drs: Replenish: HTTP 400 ValidationException: remainingQuantityInUnit is missing (code 400) [request id req-1]"
	if e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
}

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c, err := drs.New(testClientID, testClientSecret, drs.WithEndpoints(drs.EmulatorEndpoints(addr)),
		drs.WithRetryPolicy(drs.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	c.SetRefreshToken(testRefresh)
	_, err = c.Replenish(t.Context(), "slot")
	wantCode(t, err, drs.CodeCouldNotConnect)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("cause not kept: %v", err)
	}
}

func TestTLSFailure(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler()) // its certificate is not trusted
	t.Cleanup(srv.Close)
	c, err := drs.New(testClientID, testClientSecret, drs.WithEndpoints(drs.Endpoints{DRS: srv.URL, AuthURL: srv.URL, TokenURL: srv.URL + "/auth/o2/token"}),
		drs.WithRetryPolicy(drs.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	c.SetRefreshToken(testRefresh)
	_, err = c.Replenish(t.Context(), "slot")
	wantCode(t, err, drs.CodeTLS)

	// An untrusted certificate is not retried, even on a call that is safe
	// to repeat: the next try would meet the same certificate.
	var conns atomic.Int64
	bad := httptest.NewUnstartedServer(http.NotFoundHandler())
	bad.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	bad.Config.ErrorLog = log.New(io.Discard, "", 0)
	bad.StartTLS()
	t.Cleanup(bad.Close)
	c3, _ := drs.New(testClientID, testClientSecret, drs.WithEndpoints(drs.Endpoints{DRS: bad.URL, AuthURL: bad.URL, TokenURL: bad.URL + "/auth/o2/token"}),
		drs.WithRetryPolicy(drs.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}))
	c3.SetToken(drs.Token{AccessToken: "Atza|cached-access-token", RefreshToken: testRefresh, Expiry: time.Now().Add(time.Hour)})
	_, err = c3.SubscriptionInfo(t.Context())
	if e := wantCode(t, err, drs.CodeTLS); e.Temporary() {
		t.Errorf("an untrusted certificate is Temporary: %v", err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("SubscriptionInfo made %d connections to a server with an untrusted certificate, want 1", n)
	}

	// A plain-HTTP server spoken to over https fails the handshake too.
	plain := newFake(t)
	c2, _ := drs.New(testClientID, testClientSecret, drs.WithEndpoints(drs.Endpoints{DRS: plain.srv.URL, AuthURL: plain.srv.URL,
		TokenURL: strings.Replace(plain.srv.URL, "http://", "https://", 1) + "/auth/o2/token"}), drs.WithRetryPolicy(drs.RetryPolicy{MaxAttempts: 1}))
	c2.SetRefreshToken(testRefresh)
	_, err = c2.Replenish(t.Context(), "slot")
	wantCode(t, err, drs.CodeTLS)
}

func TestContextCancelled(t *testing.T) {
	f := newFake(t)
	f.handle("/", jsonReply(200, `{"eventInstanceId":"e","detailCode":"TEST_ORDER_PLACED"}`))
	ctx, cancel := contextCancelled(t)
	cancel()
	_, err := f.client().Replenish(ctx, "slot")
	wantCode(t, err, drs.CodeAborted)
}

func TestCodeOfForeignErrors(t *testing.T) {
	if drs.Code(nil) != 0 || drs.Code(errors.New("x")) != drs.CodeGeneral {
		t.Error("Code of nil or a foreign error is wrong")
	}
	wrapped := errors.Join(errors.New("ctx"), &drs.Error{Code: 404})
	if drs.Code(wrapped) != 404 {
		t.Error("Code does not look through wrapping")
	}
}

// TestHostNotFound: a DRS host that does not resolve is code 6, keeps the
// *net.DNSError, and (since nothing was sent) even Replenish may try again.
func TestHostNotFound(t *testing.T) {
	var lookups atomic.Int64
	resolver := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		lookups.Add(1)
		return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("no name server in this test")}
	}}
	tr := &http.Transport{DialContext: (&net.Dialer{Resolver: resolver}).DialContext}
	f := newFake(t)
	ep := f.endpoints()
	ep.DRS = "http://drs.example.test:8080" // LWA stays reachable; DRS does not resolve
	c := f.client(drs.WithEndpoints(ep), drs.WithHTTPClient(&http.Client{Transport: tr}))
	_, err := c.Replenish(t.Context(), "slot-1")
	wantCode(t, err, drs.CodeCouldNotResolveHost)
	var dnsErr *net.DNSError
	if !errors.Is(err, drs.ErrTransport) || !errors.As(err, &dnsErr) || dnsErr.Name != "drs.example.test" {
		t.Errorf("err = %v, want ErrTransport wrapping a *net.DNSError for drs.example.test", err)
	}
	if lookups.Load() == 0 {
		t.Error("the test resolver was not used")
	}
	assertNoSecrets(t, "error", err.Error())
}
