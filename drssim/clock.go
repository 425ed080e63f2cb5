package drssim

import (
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

func newClock(start time.Time) *clock {
	now := time.Now()
	if start.IsZero() {
		start = now
	}
	return &clock{start: start.Round(0).UTC(), base: now}
}

// now returns the current emulator time.
func (c *clock) now() time.Time {
	return c.start.Add(time.Since(c.base) + time.Duration(c.offset.Load()))
}

// advance moves the clock forward by d; negative d is ignored.
func (c *clock) advance(d time.Duration) {
	if d > 0 {
		c.offset.Add(int64(d))
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
// orders age without waiting. A negative d is ignored.
func (s *Server) Advance(d time.Duration) { s.clock.advance(d) }
