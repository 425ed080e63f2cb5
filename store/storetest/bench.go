package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/amazondrs/drs/store"
)

func benchKey(i int) store.Key {
	return store.Key{ClientID: "amzn1.application-oa2-client.bench", DeviceModel: "bench-model", Serial: fmt.Sprintf("serial-%06d", i)}
}

// benchToken is as long as a real LWA refresh token (about 400 bytes).
func benchToken(i int) string {
	return fmt.Sprintf("Atzr|IwEBI%0390d", i)
}

// ReportP50 reports the median of d, in milliseconds, as metric name.
func ReportP50(b *testing.B, name string, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2])/float64(time.Millisecond), name)
}

// BenchSave measures Save, cycling over keys distinct keys, and reports the
// median latency as "p50-save-ms".
func BenchSave(b *testing.B, ts store.TokenStore, keys int) {
	ctx := context.Background()
	var d []time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if err := ts.Save(ctx, benchKey(i%keys), benchToken(i)); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(start))
	}
	ReportP50(b, "p50-save-ms", d)
}

// BenchSaveParallel measures Save from GOMAXPROCS goroutines at once, each
// cycling over keys keys of its own, and reports the median latency as
// "p50-save-ms".
func BenchSaveParallel(b *testing.B, ts store.TokenStore, keys int) {
	ctx := context.Background()
	var mu sync.Mutex
	var all []time.Duration
	var next int
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		base := next * 100000
		next++
		mu.Unlock()
		var d []time.Duration
		for i := 0; pb.Next(); i++ {
			start := time.Now()
			if err := ts.Save(ctx, benchKey(base+i%keys), benchToken(i)); err != nil {
				b.Error(err)
				return
			}
			d = append(d, time.Since(start))
		}
		mu.Lock()
		all = append(all, d...)
		mu.Unlock()
	})
	ReportP50(b, "p50-save-ms", all)
}

// BenchLoad saves keys keys, then measures Load cycling over them and
// reports the median latency as "p50-load-ms".
func BenchLoad(b *testing.B, ts store.TokenStore, keys int) {
	ctx := context.Background()
	for i := range keys {
		if err := ts.Save(ctx, benchKey(i), benchToken(i)); err != nil {
			b.Fatal(err)
		}
	}
	var d []time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if _, err := ts.Load(ctx, benchKey(i%keys)); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(start))
	}
	ReportP50(b, "p50-load-ms", d)
}

// BenchFleet saves n devices' tokens one after another, then loads them all
// back, in every iteration. It reports "saves/s", "loads/s", "p50-save-ms"
// and "p50-load-ms".
func BenchFleet(b *testing.B, ts store.TokenStore, n int) {
	ctx := context.Background()
	var saves, loads []time.Duration
	var saveTime, loadTime time.Duration
	for iter := 0; b.Loop(); iter++ {
		for i := range n {
			start := time.Now()
			if err := ts.Save(ctx, benchKey(i), benchToken(iter*n+i)); err != nil {
				b.Fatal(err)
			}
			el := time.Since(start)
			saves, saveTime = append(saves, el), saveTime+el
		}
		for i := range n {
			start := time.Now()
			rt, err := ts.Load(ctx, benchKey(i))
			if err != nil {
				b.Fatal(err)
			}
			if rt != benchToken(iter*n+i) {
				b.Fatalf("device %d: loaded a stale token", i)
			}
			el := time.Since(start)
			loads, loadTime = append(loads, el), loadTime+el
		}
	}
	b.ReportMetric(float64(len(saves))/saveTime.Seconds(), "saves/s")
	b.ReportMetric(float64(len(loads))/loadTime.Seconds(), "loads/s")
	ReportP50(b, "p50-save-ms", saves)
	ReportP50(b, "p50-load-ms", loads)
}
