package login

import (
	"sync"
	"time"
)

// Limits bound how many attempts (states) are started, per StateTTL window
// and per Handler (each instance counts its own). Only starting an attempt
// counts: a return trip is never limited, so a customer who is at Amazon
// always finishes, whatever others do to the link meanwhile.
//
// Total counts only the attempts of browsers without a binding cookie:
// those are the ones that make new cookies, and PerLink holds each link to
// PerLink of them per window, so one link's holder cannot use up Total and
// lock the other links out. A cookie starts attempts for maxLoginAge (2)
// StateTTLs from when it was made, whatever visits follow, so a link's
// holder has at most 3×PerLink live cookies (made over three windows),
// each held to PerBrowser attempts per window.
//
// Bounds: per window a Handler starts at most Total cookie-less attempts
// and at most PerBrowser per live cookie (3×Total cookies at most), so
// Total×(1+3×PerBrowser) attempts; one link's holder at most
// PerLink×(1+3×PerBrowser). A StateStore prunes expired states when one is
// stored, so it holds the states of about two windows: at most
// 2×Total×(1+3×PerBrowser) rows per instance (1,220,000 with the
// defaults; a real load is far below). The limiter keeps at most 4×Total
// keys.
type Limits struct {
	// PerLink caps the attempts started from one link by browsers without
	// a binding cookie (new visitors, link scanners, bots). Default 20.
	PerLink int
	// PerBrowser caps the attempts started by one browser (its binding
	// cookie), over all links. A browser with a cookie is not held to
	// PerLink nor Total, so a flood of a link by cookie-less clients does
	// not stop the customer from opening it again. Default 20.
	PerBrowser int
	// Total caps the attempts the Handler starts for browsers without a
	// binding cookie, over all links. Default 10000.
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
	total  int            // cookie-less attempts in this window
	counts map[string]int // keys only for allowed attempts: at most Total links and the live cookies
}

func newLimiter(lim Limits, window time.Duration) *limiter {
	return &limiter{lim: lim.withDefaults(), window: window, counts: map[string]int{}}
}

// allow counts an attempt for link name by browser (empty without a
// cookie) at now. If a cap refuses it, it returns the page's sentence
// naming that cap and how long until the window ends; else "".
func (l *limiter) allow(now time.Time, name, browser string) (string, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if end := l.start.Add(l.window); !now.Before(end) || now.Before(l.start) {
		l.start, l.total = now, 0
		clear(l.counts)
	}
	wait := l.start.Add(l.window).Sub(now)
	if browser != "" {
		if l.counts["b:"+browser] >= l.lim.PerBrowser {
			return "This browser started too many sign-ins just now (the per-browser limit).", wait
		}
		l.counts["b:"+browser]++
		return "", 0
	}
	switch {
	case l.counts["l:"+name] >= l.lim.PerLink:
		return "This link was opened too often just now by new visitors (the per-link limit).", wait
	case l.total >= l.lim.Total:
		return "This service started too many sign-ins just now (its overall limit).", wait
	}
	l.total++
	l.counts["l:"+name]++
	return "", 0
}
