package api

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiters keeps one token bucket per key (a device ID, or a client
// address for failed authentications). Idle buckets are dropped once the
// map grows past maxKeys, so a flood of keys cannot grow it without bound.
type limiters struct {
	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	now     func() time.Time
	buckets map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

const maxKeys = 10000

func newLimiters(limit rate.Limit, burst int, now func() time.Time) *limiters {
	return &limiters{limit: limit, burst: burst, now: now, buckets: map[string]*bucket{}}
}

// allow takes one token from key's bucket and reports whether there was
// one.
func (l *limiters) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxKeys {
			l.prune(now)
		}
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// prune drops buckets idle long enough to have refilled.
func (l *limiters) prune(now time.Time) {
	idle := time.Minute
	if l.limit > 0 {
		if refill := time.Duration(float64(l.burst) / float64(l.limit) * float64(time.Second)); refill > idle {
			idle = refill
		}
	}
	for k, b := range l.buckets {
		if now.Sub(b.seen) > idle {
			delete(l.buckets, k)
		}
	}
}
