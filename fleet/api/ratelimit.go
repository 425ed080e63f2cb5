package api

import (
	"container/list"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiters keeps one token bucket per key (a device ID, or a client
// address for failed authentications) in a least-recently-used list with a
// hard cap: a new key past the cap drops the bucket used longest ago. Each
// call is O(1) and memory stays bounded however many keys a flood brings.
// A dropped bucket starts full again if its key returns: the cap trades
// that for bounded memory, and at maxKeys it takes that many other keys
// between two uses of one to forget it.
//
// The limits are per instance: several drs serve instances behind one
// proxy each keep their own buckets.
type limiters struct {
	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	max     int
	now     func() time.Time
	buckets map[string]*list.Element // of *bucket
	lru     list.List                // front: most recently used
}

type bucket struct {
	key string
	lim *rate.Limiter
}

// maxKeys is the cap on the buckets of one limiter (each about 200 bytes).
const maxKeys = 10000

func newLimiters(limit rate.Limit, burst int, now func() time.Time) *limiters {
	return &limiters{limit: limit, burst: burst, max: maxKeys, now: now, buckets: map[string]*list.Element{}}
}

// allow takes one token from key's bucket and reports whether there was
// one.
func (l *limiters) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.buckets[key]
	if e != nil {
		l.lru.MoveToFront(e)
	} else {
		if l.lru.Len() >= l.max {
			old := l.lru.Back()
			delete(l.buckets, old.Value.(*bucket).key)
			l.lru.Remove(old)
		}
		e = l.lru.PushFront(&bucket{key: key, lim: rate.NewLimiter(l.limit, l.burst)})
		l.buckets[key] = e
	}
	return e.Value.(*bucket).lim.AllowN(l.now(), 1)
}

// len returns the number of buckets kept.
func (l *limiters) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// clientAddr returns the key of the failed-authentication limit for r: the
// client's IPv4 address, or the /64 prefix of its IPv6 address (one host
// usually holds a whole /64, so per address it could take 2^64 buckets).
// It is RemoteAddr: behind a reverse proxy that is the proxy, and all
// clients share one bucket (X-Forwarded-For is not trusted).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		return netip.PrefixFrom(ip, 64).Masked().String()
	}
	return ip.String()
}
