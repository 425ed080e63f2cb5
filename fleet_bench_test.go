package drs_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/amazondrs/drs"
)

const (
	fleetDevices        = 10000
	fleetCallsPerDevice = 3  // concurrent calls per device
	fleetInFlight       = 64 // devices working at once
)

// fleetServer is a lean stand-in for LWA and DRS that counts token requests
// per refresh token and DRS calls per access token.
type fleetServer struct {
	srv *httptest.Server

	mu       sync.Mutex
	refresh  map[string]int // token requests per refresh token
	accessOf map[string]string
	calls    map[string]int // DRS calls per access token
	bad      atomic.Int64   // DRS calls with a token the server never issued
}

func newFleetServer(b *testing.B) *fleetServer {
	s := &fleetServer{refresh: map[string]int{}, accessOf: map[string]string{}, calls: map[string]int{}}
	replBody := []byte(`{"eventInstanceId":"amzn1.dash.v2.o.fleet","detailCode":"TEST_ORDER_PLACED"}`)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = []string{"application/json"}
		if r.URL.Path == "/auth/o2/token" {
			r.ParseForm()
			rt := r.PostForm.Get("refresh_token")
			access := "Atza|" + strings.TrimPrefix(rt, "Atzr|")
			s.mu.Lock()
			s.refresh[rt]++
			s.accessOf[access] = rt
			s.mu.Unlock()
			body, _ := json.Marshal(map[string]any{"access_token": access, "refresh_token": rt, "token_type": "bearer", "expires_in": 3600})
			w.Write(body)
			return
		}
		access := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		_, ok := s.accessOf[access]
		s.calls[access]++
		s.mu.Unlock()
		if !ok {
			s.bad.Add(1)
		}
		w.Write(replBody)
	}))
	b.Cleanup(s.srv.Close)
	return s
}

func (s *fleetServer) reset() {
	s.mu.Lock()
	clear(s.refresh)
	clear(s.accessOf)
	clear(s.calls)
	s.mu.Unlock()
}

// BenchmarkFleetExpiredTokens is 10,000 devices (10,000 Clients sharing one
// http.Client) whose access tokens have all expired, each making 3
// concurrent Replenish calls, 64 devices at a time, against one local
// server. Each iteration is the whole fleet; it fails unless every device
// refreshed exactly once and every call carried its device's new token.
// Metrics: calls/s, refreshes/device.
func BenchmarkFleetExpiredTokens(b *testing.B) {
	s := newFleetServer(b)
	tr := &http.Transport{MaxIdleConnsPerHost: fleetInFlight * fleetCallsPerDevice, MaxConnsPerHost: fleetInFlight * fleetCallsPerDevice}
	b.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	ep := drs.Endpoints{DRS: s.srv.URL, AuthURL: s.srv.URL + "/ap/oa", TokenURL: s.srv.URL + "/auth/o2/token"}
	clients := make([]*drs.Client, fleetDevices)
	for i := range clients {
		c, err := drs.New("amzn1.application-oa2-client.fleet", "secret", drs.WithHTTPClient(hc), drs.WithEndpoints(ep))
		if err != nil {
			b.Fatal(err)
		}
		clients[i] = c
	}
	ctx := b.Context()
	var calls, refreshes int
	var took time.Duration
	for gen := 0; b.Loop(); gen++ {
		b.StopTimer()
		s.reset()
		rts := make([]string, len(clients))
		for i, c := range clients {
			rts[i] = fmt.Sprintf("Atzr|dev-%05d-gen-%d", i, gen)
			c.SetToken(drs.Token{AccessToken: "Atza|expired", RefreshToken: rts[i], Expiry: time.Now().Add(-time.Minute)})
		}
		next := make(chan int, len(clients))
		for i := range clients {
			next <- i
		}
		close(next)
		var failed atomic.Pointer[error]
		b.StartTimer()

		start := time.Now()
		var wg sync.WaitGroup
		for range fleetInFlight {
			wg.Go(func() {
				for i := range next {
					var dev sync.WaitGroup
					for range fleetCallsPerDevice {
						dev.Go(func() {
							if _, err := clients[i].Replenish(ctx, "slot-1"); err != nil {
								failed.CompareAndSwap(nil, &err)
							}
						})
					}
					dev.Wait()
				}
			})
		}
		wg.Wait()
		took += time.Since(start)

		b.StopTimer()
		if err := failed.Load(); err != nil {
			b.Fatal(*err)
		}
		s.mu.Lock()
		for i, rt := range rts {
			if n := s.refresh[rt]; n != 1 {
				s.mu.Unlock()
				b.Fatalf("device %d refreshed %d times, want exactly 1", i, n)
			}
			if n := s.calls["Atza|"+strings.TrimPrefix(rt, "Atzr|")]; n != fleetCallsPerDevice {
				s.mu.Unlock()
				b.Fatalf("device %d made %d calls with its new token, want %d", i, n, fleetCallsPerDevice)
			}
			refreshes += s.refresh[rt]
		}
		s.mu.Unlock()
		if n := s.bad.Load(); n != 0 {
			b.Fatalf("%d calls carried a token the server never issued", n)
		}
		calls += fleetDevices * fleetCallsPerDevice
		b.StartTimer()
	}
	b.ReportMetric(float64(calls)/took.Seconds(), "calls/s")
	b.ReportMetric(float64(refreshes)/float64(calls/fleetCallsPerDevice), "refreshes/device")
}
