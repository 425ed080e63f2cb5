package drssim_test

import (
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/amazondrs/drs/drssim"
)

// TestClockNeverGoesBack checks that Advance refuses negative and overflowing
// advances, changing nothing, so that the emulator clock never shows an
// earlier time than it did.
func TestClockNeverGoesBack(t *testing.T) {
	t.Parallel()
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := drssim.New(drssim.Config{}, drssim.WithClock(start))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Advance(-time.Hour); err == nil {
		t.Error("Advance(-1h) succeeded")
	}
	now, err := s.Advance(time.Hour)
	if err != nil || now.Before(start.Add(time.Hour)) {
		t.Fatalf("Advance(1h) = %v, %v", now, err)
	}
	big := time.Duration(math.MaxInt64 / 2)
	if _, err := s.Advance(big); err != nil {
		t.Fatalf("Advance(%v): %v", big, err)
	}
	before := s.Now()
	for _, d := range []time.Duration{big, math.MaxInt64, big + time.Hour} {
		if got, err := s.Advance(d); err == nil {
			t.Errorf("Advance(%v) = %v, want an overflow error", d, got)
		}
	}
	if after := s.Now(); after.Before(before) || after.Sub(before) > time.Minute {
		t.Errorf("after refused advances the clock reads %v, was %v", after, before)
	}
	// A refused advance leaves room for the ones that fit.
	if _, err := s.Advance(time.Hour); err != nil {
		t.Errorf("Advance(1h) after refusals: %v", err)
	}

	// Near the end of year 9999 the clock refuses to pass it.
	late, err := drssim.New(drssim.Config{}, drssim.WithClock(time.Date(9999, 12, 1, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := late.Advance(60 * 24 * time.Hour); err == nil {
		t.Errorf("Advance past 9999 = %v", got)
	}
	if now := late.Now(); now.Year() != 9999 {
		t.Errorf("clock = %v after a refused advance", now)
	}
}

// TestControlClockRefusesOverflow drives the same checks through
// POST /_emulator/clock: each refusal is a 400 naming the field, and the
// clock reads no earlier afterwards.
func TestControlClockRefusesOverflow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{}, drssim.WithClock(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)))
	var clock struct{ Now time.Time }
	r := e.postJSON("/_emulator/clock", `{"advance":"2000000h"}`)
	wantStatus(t, r, http.StatusOK)
	decode(t, r, &clock)
	before := clock.Now
	for body, want := range map[string]string{
		`{"advance":"2000000h"}`:  "overflows",
		`{"advance":"2562048h"}`:  "at most 2562047h",
		`{"advance":"-1ns"}`:      "non-negative",
		`{"advance":"99999999h"}`: "at most 2562047h",
	} {
		wantMessage(t, e.postJSON("/_emulator/clock", body), http.StatusBadRequest, want, "")
	}
	decode(t, e.get("/_emulator/clock"), &clock)
	if clock.Now.Before(before) || clock.Now.Sub(before) > time.Minute {
		t.Errorf("clock = %v after refusals, was %v", clock.Now, before)
	}
	// The server still answers with the advanced clock.
	if d, err := time.Parse(http.TimeFormat, e.get("/_emulator/clock").header.Get("X-Amz-Date")); err != nil || d.Year() < 2200 {
		t.Errorf("X-Amz-Date = %v, %v", d, err)
	}
}
