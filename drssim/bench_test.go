package drssim_test

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/amazondrs/drs/drssim"

	"github.com/amazondrs/drs/drssim/drssimtest"
)

// benchClient returns a keep-alive client shared by the benchmark's
// goroutines.
func benchClient(b *testing.B) *http.Client {
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// benchReplenish runs POST /replenish/coffee-beans against base in parallel
// and reports requests per second.
func benchReplenish(b *testing.B, base, token string) {
	hc := benchClient(b)
	url := base + "/replenish/coffee-beans"
	b.ReportAllocs()
	b.SetParallelism(4) // 4 x GOMAXPROCS client goroutines keep the server busy
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, err := http.NewRequest(http.MethodPost, url, nil)
			if err != nil {
				b.Error(err)
				return
			}
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("x-amzn-type-version", typePrefix+"DrsReplenishInput@1.0")
			req.Header.Set("x-amzn-accept-type", typePrefix+"DrsReplenishResult@1.0")
			resp, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkReplenishEmulator measures the emulator's Replenish over loopback
// HTTP: full token and header checks, order book lookup (ORDER_INPROGRESS
// after the first call), request ID, date and logging.
func BenchmarkReplenishEmulator(b *testing.B) {
	s, _ := drssimtest.Start(b, drssimtest.WithConfig(drssim.Config{}))
	link, err := s.LinkDevice(drssim.LinkRequest{Serial: "SN-bench", TestDevice: true})
	if err != nil {
		b.Fatal(err)
	}
	benchReplenish(b, s.URL(), link.AccessToken)
}

// BenchmarkReplenishBareHandler is the baseline: a bare http.HandlerFunc that
// writes a fixed JSON body, over the same loopback HTTP.
func BenchmarkReplenishBareHandler(b *testing.B) {
	body := []byte(`{"detailCode":"ORDER_INPROGRESS","eventInstanceId":"amzn1.dash.v2.o.` + strings.Repeat("x", 100) + `"}`)
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	benchReplenish(b, "http://"+ln.Addr().String(), "unused")
}
