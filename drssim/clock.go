package drssim

import (
	"fmt"
	"math"
	"net/http"
	"sync/atomic"
	"time"
)

// clock is the emulator's time: it runs at the speed of the real clock from
// a chosen start, and jumps forward on Advance. Token, code and order
// lifetimes and the X-Amz-Date header all follow it.
type clock struct {
	start  time.Time    // emulator instant at base
	base   time.Time    // real instant (with monotonic reading) at creation
	offset atomic.Int64 // nanoseconds added by Advance

	date atomic.Pointer[dateCache]
}

// dateCache holds the X-Amz-Date header value for one second.
type dateCache struct {
	sec   int64
	value []string
}

// The emulator clock stays between minClock and maxClock, the years JSON
// and RFC 3339 can write (0000 to 9999).
var (
	minClock = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
	maxClock = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

func newClock(start time.Time) *clock {
	now := time.Now()
	if start.IsZero() {
		start = now
	}
	start = start.Round(0).UTC()
	switch {
	case start.Before(minClock):
		start = minClock
	case start.After(maxClock):
		start = maxClock
	}
	return &clock{start: start, base: now}
}

// now returns the current emulator time. It never goes back: the real
// clock's monotonic reading only grows, Advance only adds, and the sum stops
// at maxClock instead of overflowing.
func (c *clock) now() time.Time {
	return c.at(time.Since(c.base), c.offset.Load())
}

// at is the emulator time elapsed real nanoseconds after creation with the
// given offset, saturating instead of overflowing.
func (c *clock) at(elapsed time.Duration, offset int64) time.Time {
	d := time.Duration(math.MaxInt64)
	if int64(elapsed) <= math.MaxInt64-offset {
		d = elapsed + time.Duration(offset)
	}
	if t := c.start.Add(d); !t.After(maxClock) {
		return t
	}
	return maxClock
}

// advance moves the clock forward by d and returns the new time. It refuses
// a negative d, and a d that would overflow the clock's offset or take it
// past maxClock, changing nothing.
func (c *clock) advance(d time.Duration) (time.Time, error) {
	if d < 0 {
		return time.Time{}, fmt.Errorf("drssim: clock advance %v is negative; the emulator clock never goes back", d)
	}
	for {
		off := c.offset.Load()
		elapsed := time.Since(c.base)
		if int64(d) > math.MaxInt64-off-int64(elapsed) {
			return time.Time{}, fmt.Errorf("drssim: clock advance %v overflows: the emulator clock can move at most %v more", d, time.Duration(math.MaxInt64-off-int64(elapsed)))
		}
		if c.start.Add(elapsed + time.Duration(off) + d).After(maxClock) {
			return time.Time{}, fmt.Errorf("drssim: clock advance %v would pass %s, the latest time the emulator clock can show", d, maxClock.Format(time.RFC3339))
		}
		if c.offset.CompareAndSwap(off, off+int64(d)) {
			return c.now(), nil
		}
	}
}

// dateHeader returns the X-Amz-Date value for now (RFC 1123, GMT), formatted
// at most once per second.
func (c *clock) dateHeader(now time.Time) []string {
	sec := now.Unix()
	if d := c.date.Load(); d != nil && d.sec == sec {
		return d.value
	}
	d := &dateCache{sec: sec, value: []string{now.UTC().Format(http.TimeFormat)}}
	c.date.Store(d)
	return d.value
}

// WithClock starts the emulator clock at start instead of the current time.
// The clock then runs in real time and moves forward on [Server.Advance].
func WithClock(start time.Time) Option {
	return func(s *Server) { s.clock = newClock(start) }
}

// Now returns the emulator's current time.
func (s *Server) Now() time.Time { return s.clock.now() }

// Advance moves the emulator clock forward by d, so that tokens, codes and
// orders age without waiting, and returns the new time. It refuses, changing
// nothing, a negative d (the clock never goes back) and a d that would
// overflow the clock (about 292 years in all) or pass the end of year 9999.
func (s *Server) Advance(d time.Duration) (time.Time, error) { return s.clock.advance(d) }
