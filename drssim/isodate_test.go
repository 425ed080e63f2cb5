package drssim

import (
	"strings"
	"testing"
	"time"
)

func TestParseISODate(t *testing.T) {
	t.Parallel()
	plus1 := time.FixedZone("", 3600)
	minus530 := time.FixedZone("", -(5*3600 + 30*60))
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2017-04-01", time.Date(2017, 4, 1, 0, 0, 0, 0, time.UTC), true}, // Amazon's Android sample
		{"2015-12-28T10:00:00Z", time.Date(2015, 12, 28, 10, 0, 0, 0, time.UTC), true},
		{"2015-12-28t10:00:00z", time.Date(2015, 12, 28, 10, 0, 0, 0, time.UTC), true},
		{"2015-12-28T10:00:00.123Z", time.Date(2015, 12, 28, 10, 0, 0, 123e6, time.UTC), true},
		{"2015-12-28T10:00:00,5Z", time.Date(2015, 12, 28, 10, 0, 0, 5e8, time.UTC), true},
		{"2015-12-28T10:00:00.123456789Z", time.Date(2015, 12, 28, 10, 0, 0, 123456789, time.UTC), true},
		{"2015-12-28T10:00:00+0000", time.Date(2015, 12, 28, 10, 0, 0, 0, time.UTC), true},
		{"2015-12-28T10:00:00.250+0100", time.Date(2015, 12, 28, 10, 0, 0, 25e7, plus1), true},
		{"2015-12-28T10:00:00-05:30", time.Date(2015, 12, 28, 10, 0, 0, 0, minus530), true},
		{"2015-12-28T10:00:00.1-0530", time.Date(2015, 12, 28, 10, 0, 0, 1e8, minus530), true},

		{"", time.Time{}, false},
		{"2015-12-28T10:00:00", time.Time{}, false},  // no offset: no instant
		{"2015-12-28 10:00:00Z", time.Time{}, false}, // not ISO 8601's T
		{"2015-12-28T10:00Z", time.Time{}, false},    // reduced precision
		{"2015-12-28T10:00:00+01", time.Time{}, false},
		{"2015-12-28T10:00:00+1:00", time.Time{}, false},
		{"2015-12-28T10:00:00+01000", time.Time{}, false},
		{"2015-13-28", time.Time{}, false},
		{"2015-02-30T10:00:00Z", time.Time{}, false},
		{"2015-12-28T25:00:00Z", time.Time{}, false},
		{"2015-12-28T10:00:00+2500", time.Time{}, false},
		{"20151228", time.Time{}, false},
		{"2015-W53-1", time.Time{}, false},
		{"28/12/2015", time.Time{}, false},
		{"2015-12-28T10:00:00." + strings.Repeat("1", 30) + "Z", time.Time{}, false}, // over maxDateLen
		{"2015-12-28T10:00:00.Z", time.Time{}, false},
		{"2015-12-28T10:00:00Zjunk", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := parseISODate(tt.in)
		if ok != tt.ok || ok && (!got.Equal(tt.want) || got.Format(time.RFC3339Nano) != tt.want.Format(time.RFC3339Nano)) {
			t.Errorf("parseISODate(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzParseISODate(f *testing.F) {
	for _, s := range []string{"2017-04-01", "2015-12-28T10:00:00.250+0100", "2015-12-28T10:00:00-05:30", "2015-12-28T10:00:00,5z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseISODate(s)
		if !ok {
			return
		}
		// Whatever is accepted names a real instant that RFC 3339 can write back.
		if _, err := time.Parse(time.RFC3339Nano, got.Format(time.RFC3339Nano)); err != nil {
			t.Fatalf("parseISODate(%q) = %v, which does not round-trip: %v", s, got, err)
		}
	})
}
