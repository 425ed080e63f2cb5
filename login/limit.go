package login

import (
	"sync"
	"time"
)

// Limits bound how many attempts (states) are started, per StateTTL window
// and per Handler (each instance counts its own). Only starting an attempt
// counts: a return trip is never limited, so a customer who is at Amazon
// always finishes, whatever others do to the link meanwhile. Since every
// attempt lives StateTTL, a StateStore holds at most about 2×Total states
// per instance, and the limiter's memory is bounded by Total.
type Limits struct {
	// PerLink caps the attempts started from one link by browsers without
	// a binding cookie (new visitors, link scanners, bots). Default 20.
	PerLink int
	// PerBrowser caps the attempts started by one browser (its binding
	// cookie), over all links. A browser with a cookie is not held to
	// PerLink, so a flood of a link by cookie-less clients does not stop
	// the customer from opening it again. Default 20.
	PerBrowser int
	// Total caps the attempts the Handler starts. Default 10000.
	Total int
}

func (l Limits) withDefaults() Limits {
	if l.PerLink <= 0 {
		l.PerLink = 20
	}
	if l.PerBrowser <= 0 {
		l.PerBrowser = 20
	}
	if l.Total <= 0 {
		l.Total = 10000
	}
	return l
}

// limiter counts attempts in fixed windows.
type limiter struct {
	lim    Limits
	window time.Duration

	mu     sync.Mutex
	start  time.Time
	total  int
	counts map[string]int // at most lim.Total keys: only allowed attempts add one
}

func newLimiter(lim Limits, window time.Duration) *limiter {
	return &limiter{lim: lim.withDefaults(), window: window, counts: map[string]int{}}
}

// allow counts an attempt for link name by browser (empty without a
// cookie) at now, or returns how long until the window ends.
func (l *limiter) allow(now time.Time, name, browser string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if end := l.start.Add(l.window); !now.Before(end) || now.Before(l.start) {
		l.start, l.total = now, 0
		clear(l.counts)
	}
	key, max := "l:"+name, l.lim.PerLink
	if browser != "" {
		key, max = "b:"+browser, l.lim.PerBrowser
	}
	if l.total >= l.lim.Total || l.counts[key] >= max {
		return false, l.start.Add(l.window).Sub(now)
	}
	l.total++
	l.counts[key]++
	return true, 0
}
