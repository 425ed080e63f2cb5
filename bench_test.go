package drs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/amazondrs/drs"
)

// benchServer answers every DRS call with a fixed replenish result and every
// token request with a fixed token; it is the same for the library and the
// hand-written baseline.
func benchServer(b *testing.B) *httptest.Server {
	tokenBody := []byte(`{"access_token":"Atza|bench","refresh_token":"Atzr|bench","token_type":"bearer","expires_in":3600}`)
	replBody := []byte(`{"eventInstanceId":"amzn1.dash.v2.o.bench","detailCode":"TEST_ORDER_PLACED"}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = []string{"application/json"}
		if r.URL.Path == "/auth/o2/token" {
			w.Write(tokenBody)
			return
		}
		w.Write(replBody)
	}))
	b.Cleanup(srv.Close)
	return srv
}

var benchHTTP = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}

func benchClient(b *testing.B, srv *httptest.Server, opts ...drs.Option) *drs.Client {
	c, err := drs.New("id", "secret", append([]drs.Option{drs.WithHTTPClient(benchHTTP),
		drs.WithEndpoints(drs.Endpoints{DRS: srv.URL, AuthURL: srv.URL + "/ap/oa", TokenURL: srv.URL + "/auth/o2/token"})}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	c.SetRefreshToken("Atzr|bench")
	return c
}

// BenchmarkReplenishLibrary is Client.Replenish with a cached token.
func BenchmarkReplenishLibrary(b *testing.B) {
	srv := benchServer(b)
	c := benchClient(b, srv)
	ctx := b.Context()
	if _, err := c.Replenish(ctx, "slot-1"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Replenish(ctx, "slot-1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReplenishHandWritten is the same round trip written by hand with
// net/http: the baseline for BenchmarkReplenishLibrary.
func BenchmarkReplenishHandWritten(b *testing.B) {
	srv := benchServer(b)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		handWrittenReplenish(b, ctx, srv.URL)
	}
}

func handWrittenReplenish(b *testing.B, ctx context.Context, base string) {
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/replenish/slot-1", nil)
	req.Header.Set("Authorization", "Bearer Atza|bench")
	req.Header.Set("x-amzn-type-version", "com.amazon.dash.replenishment.DrsReplenishInput@1.0")
	req.Header.Set("x-amzn-accept-type", "com.amazon.dash.replenishment.DrsReplenishResult@1.0")
	resp, err := benchHTTP.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		b.Fatal(err, resp.StatusCode)
	}
	var res struct {
		EventInstanceID string `json:"eventInstanceId"`
		DetailCode      string `json:"detailCode"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkReplenishOverhead pairs the two: each iteration makes one library
// call and one hand-written call (alternating which goes first) against the
// same server, timing each, so both see the same moment of a noisy machine.
// ns/op is the pair. Metrics: library-ns/call, hand-ns/call and their ratio
// library/hand (the per-call overhead; target at most 1.10).
func BenchmarkReplenishOverhead(b *testing.B) {
	srv := benchServer(b)
	c := benchClient(b, srv)
	ctx := b.Context()
	if _, err := c.Replenish(ctx, "slot-1"); err != nil {
		b.Fatal(err)
	}
	library := func() {
		if _, err := c.Replenish(ctx, "slot-1"); err != nil {
			b.Fatal(err)
		}
	}
	var lib, hand time.Duration
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		if i%2 == 0 {
			library()
		} else {
			handWrittenReplenish(b, ctx, srv.URL)
		}
		t1 := time.Now()
		if i%2 == 0 {
			handWrittenReplenish(b, ctx, srv.URL)
		} else {
			library()
		}
		t2 := time.Now()
		if i%2 == 0 {
			lib, hand = lib+t1.Sub(t0), hand+t2.Sub(t1)
		} else {
			hand, lib = hand+t1.Sub(t0), lib+t2.Sub(t1)
		}
	}
	b.ReportMetric(float64(lib)/float64(b.N), "library-ns/call")
	b.ReportMetric(float64(hand)/float64(b.N), "hand-ns/call")
	b.ReportMetric(float64(lib)/float64(hand), "library/hand")
}

// BenchmarkCallRefreshingToken is a Replenish whose access token has expired
// every time, so each call refreshes it first: compare with
// BenchmarkReplenishLibrary (cached token).
func BenchmarkCallRefreshingToken(b *testing.B) {
	srv := benchServer(b)
	clk := &clock{t: time.Now()}
	c := benchClient(b, srv, drs.WithClock(clk.now))
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		clk.advance(2 * time.Hour)
		if _, err := c.Replenish(ctx, "slot-1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIdleClientMemory reports the heap held by one idle Client as
// bytes/client, measured once over 10,000 Clients sharing one http.Client,
// each holding its own tokens as long as LWA's (about 400 bytes each); the
// timed loop then measures creating one Client (ns/op, allocs/op).
func BenchmarkIdleClientMemory(b *testing.B) {
	const n = 10000
	newClient := func(i int) *drs.Client {
		c, err := drs.New("amzn1.application-oa2-client.bench", "secret", drs.WithHTTPClient(benchHTTP), drs.WithEndpoints(drs.NAEndpoints))
		if err != nil {
			b.Fatal(err)
		}
		c.SetToken(drs.Token{
			AccessToken:  fmt.Sprintf("Atza|IwEBI%0390d", i),
			RefreshToken: fmt.Sprintf("Atzr|IwEBI%0390d", i),
			Expiry:       time.Now().Add(time.Hour),
		})
		return c
	}
	clients := make([]*drs.Client, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range clients {
		clients[i] = newClient(i)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(clients)
	held := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / n
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		newClient(i)
	}
	b.ReportMetric(held, "bytes/client")
}
