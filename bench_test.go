package drs_test

import (
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
		req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/replenish/slot-1", nil)
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
