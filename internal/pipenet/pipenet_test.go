package pipenet_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/amazondrs/drs/internal/pipenet"
	"github.com/google/go-cmp/cmp"
)

// handler spells one header key as Amazon does, not canonically, and
// echoes the request's header keys in the body.
func handler(w http.ResponseWriter, r *http.Request) {
	w.Header()["x-amzn-RequestId"] = []string{"req-1"}
	w.Header().Set("Content-Type", "text/plain")
	var ks []string
	for k := range r.Header {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	for _, k := range ks {
		io.WriteString(w, k+"\n")
	}
}

// exchange sends one request with a non-canonical header key and returns
// the response's header keys (Date left out) and body.
func exchange(t *testing.T, hc *http.Client, url string) ([]string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url+"/x", nil)
	req.Header["x-custom-KEY"] = []string{"v"}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var ks []string
	for k := range resp.Header {
		if k != "Date" {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks, string(body)
}

// startPipe serves handler on a Listener through httptest.Server.
func startPipe(t *testing.T) (*httptest.Server, *http.Client) {
	srv := &httptest.Server{Listener: pipenet.NewListener("pipe.invalid:80"), Config: &http.Server{Handler: http.HandlerFunc(handler)}}
	srv.Start()
	hc := srv.Listener.(*pipenet.Listener).Client()
	t.Cleanup(func() { hc.CloseIdleConnections(); srv.Close() })
	return srv, hc
}

// TestHeaderKeysAsOverTCP: both sides see the same header keys over a pipe
// as over loopback TCP, canonicalised when read.
func TestHeaderKeysAsOverTCP(t *testing.T) {
	t.Parallel()
	tcp := httptest.NewServer(http.HandlerFunc(handler))
	t.Cleanup(tcp.Close)
	wantKeys, wantBody := exchange(t, tcp.Client(), tcp.URL)

	srv, hc := startPipe(t)
	if srv.URL != "http://pipe.invalid:80" {
		t.Errorf("URL = %q", srv.URL)
	}
	gotKeys, gotBody := exchange(t, hc, srv.URL)
	if diff := cmp.Diff(wantKeys, gotKeys); diff != "" {
		t.Errorf("response header keys (-tcp +pipe):\n%s", diff)
	}
	if diff := cmp.Diff(wantBody, gotBody); diff != "" {
		t.Errorf("request header keys the server saw (-tcp +pipe):\n%s", diff)
	}
	if !slices.Contains(gotKeys, "X-Amzn-Requestid") {
		t.Errorf("response keys %q lack the canonical X-Amzn-Requestid", gotKeys)
	}
}

// TestDialAfterClose: a closed Listener refuses dials, and Accept returns
// net.ErrClosed.
func TestDialAfterClose(t *testing.T) {
	t.Parallel()
	ln := pipenet.NewListener("pipe.invalid:80")
	ln.Close()
	if _, err := ln.DialContext(context.Background(), "tcp", "x:1"); err == nil {
		t.Error("dial after Close succeeded")
	}
	if _, err := ln.Accept(); err == nil {
		t.Error("Accept after Close succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := pipenet.NewListener("a.invalid:1").DialContext(ctx, "tcp", "x:1"); !errors.Is(err, context.Canceled) {
		t.Errorf("dial with a done context = %v, want context.Canceled", err)
	}
}

// TestInBubble: a server and client over pipes run in a synctest bubble and
// leave no goroutine behind.
func TestInBubble(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv, hc := startPipe(t)
		keys, _ := exchange(t, hc, srv.URL)
		time.Sleep(time.Minute)
		keys2, _ := exchange(t, hc, srv.URL)
		if diff := cmp.Diff(keys, keys2); diff != "" {
			t.Errorf("keys changed (-first +second):\n%s", diff)
		}
	})
}
