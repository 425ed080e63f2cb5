package api

import (
	"strings"
	"testing"
	"time"
)

func TestDeviceTokens(t *testing.T) {
	t.Parallel()
	id := newDeviceID()
	tok, hash := newDeviceToken(id)
	if got := tokenDeviceID(tok); got != id {
		t.Fatalf("tokenDeviceID(a fresh token) = %q, want %q", got, id)
	}
	last := "A"
	if strings.HasSuffix(tok, "A") {
		last = "B"
	}
	if !equalHash(tok, hash) || equalHash(tok+"x", hash) || equalHash(tok[:len(tok)-1]+last, hash) {
		t.Error("equalHash does not tell the token from others")
	}
	other, _ := newDeviceToken(id)
	if other == tok {
		t.Error("two tokens for one device are equal")
	}
	for _, bad := range []string{"", "dt.", "dt." + id, "dt." + id + ".short", "xx." + strings.TrimPrefix(tok, "dt."),
		"dt.dev_x." + strings.Repeat("a", 43), "dt." + strings.Replace(id, "dev_", "usr_", 1) + "." + strings.Repeat("a", 43)} {
		if got := tokenDeviceID(bad); got != "" {
			t.Errorf("tokenDeviceID(%q) = %q, want \"\"", bad, got)
		}
	}
	for header, want := range map[string]string{"Bearer abc": "abc", "bearer  abc ": "abc", "Basic abc": "", "Bearer": "", "": ""} {
		if got := bearer(header); got != want {
			t.Errorf("bearer(%q) = %q, want %q", header, got, want)
		}
	}
}

func TestLimitersBurst(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	l := newLimiters(1, 2, func() time.Time { return now })
	var got []bool
	for range 3 {
		got = append(got, l.allow("a"))
	}
	if got[0] != true || got[1] != true || got[2] != false {
		t.Fatalf("a burst of 2 allowed %v, want [true true false]", got)
	}
	now = now.Add(2 * time.Second)
	if !l.allow("a") {
		t.Error("a refilled bucket refuses")
	}
}

func TestCheckName(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ v, want string }{
		{"S1", ""},
		{"Sérial-ü", ""},
		{"", "is required"},
		{"S\xff1", "not valid UTF-8"},
		{"S\xc3", "not valid UTF-8"},
		{"S\ufffd", "not valid UTF-8"},
		{"S 1", "space"},
		{"S\u00001", "control"},
		{strings.Repeat("s", 129), "over 128 bytes"},
	} {
		e := checkName("serial", tt.v)
		switch {
		case tt.want == "" && e != nil:
			t.Errorf("checkName(%q) = %q", tt.v, e.message)
		case tt.want != "" && (e == nil || !strings.Contains(e.message, tt.want)):
			t.Errorf("checkName(%q) = %v, want an error with %q", tt.v, e, tt.want)
		}
	}
}
