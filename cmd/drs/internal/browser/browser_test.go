package browser

import (
	"errors"
	"reflect"
	"testing"
)

func TestCommand(t *testing.T) {
	t.Parallel()
	const u = "http://127.0.0.1:8182/callback"
	for _, tc := range []struct {
		name string
		env  map[string]string
		goos string
		want []string
	}{
		{"BROWSER", map[string]string{"BROWSER": "firefox"}, "linux", []string{"firefox", u}},
		{"BROWSER list and %s", map[string]string{"BROWSER": "chromium --new-window %s:firefox"}, "linux", []string{"chromium", "--new-window", u}},
		{"linux desktop", map[string]string{"DISPLAY": ":0"}, "linux", []string{"xdg-open", u}},
		{"linux headless", nil, "linux", nil},
		{"macOS", nil, "darwin", []string{"open", u}},
		{"windows", nil, "windows", []string{"rundll32", "url.dll,FileProtocolHandler", u}},
	} {
		s := System{Getenv: func(k string) string { return tc.env[k] }, GOOS: tc.goos}
		name, args := s.command(u)
		var got []string
		if name != "" {
			got = append([]string{name}, args...)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestOpenWithoutBrowser(t *testing.T) {
	t.Parallel()
	s := System{Getenv: func(string) string { return "" }, GOOS: "linux"}
	if err := s.Open("http://x"); !errors.Is(err, ErrNoBrowser) {
		t.Errorf("headless Open = %v, want ErrNoBrowser", err)
	}
	s = System{Getenv: func(k string) string { return map[string]string{"BROWSER": "no-such-browser-xyz"}[k] },
		LookPath: func(string) (string, error) { return "", errors.New("not found") }}
	if err := s.Open("http://x"); !errors.Is(err, ErrNoBrowser) {
		t.Errorf("missing $BROWSER Open = %v, want ErrNoBrowser", err)
	}
}

func TestOpenRunsTheCommand(t *testing.T) {
	t.Parallel()
	s := System{Getenv: func(k string) string { return map[string]string{"BROWSER": "true"}[k] }}
	if err := s.Open("http://x"); err != nil {
		t.Errorf("Open with BROWSER=true: %v", err)
	}
}

func TestStub(t *testing.T) {
	t.Parallel()
	s := &Stub{}
	s.Open("a")
	s.Open("b")
	if got := s.URLs(); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("URLs = %q", got)
	}
}
