// Package browser opens a URL in the user's web browser when one is
// available. It is never required: callers always print the URL too.
package browser

import (
	"errors"
	"io"
	"os/exec"
	"runtime"
	"strings"
	"sync"
)

// Browser opens URLs.
type Browser interface {
	Open(url string) error
}

// ErrNoBrowser is returned by System.Open when no browser can be found.
var ErrNoBrowser = errors.New("no web browser found")

// System opens URLs with $BROWSER, or the platform's opener (xdg-open on a
// Linux desktop, open on macOS, rundll32 on Windows). The browser's own
// output is discarded so that it cannot corrupt the command's.
type System struct {
	Getenv   func(string) string
	LookPath func(string) (string, error)
	GOOS     string
}

// Open starts the browser on url and does not wait for it.
func (s System) Open(url string) error {
	name, args := s.command(url)
	if name == "" {
		return ErrNoBrowser
	}
	look := s.LookPath
	if look == nil {
		look = exec.LookPath
	}
	path, err := look(name)
	if err != nil {
		return ErrNoBrowser
	}
	cmd := exec.Command(path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() // reap it; its exit status does not matter
	return nil
}

// command returns the program and arguments that open url, or "" when
// none applies.
func (s System) command(url string) (string, []string) {
	getenv := s.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if b := strings.TrimSpace(getenv("BROWSER")); b != "" {
		// $BROWSER may list several commands separated by ':'; %s
		// stands for the URL, which is appended when absent.
		fields := strings.Fields(strings.Split(b, ":")[0])
		if len(fields) == 0 {
			return "", nil
		}
		args, substituted := fields[1:], false
		for i, a := range args {
			if strings.Contains(a, "%s") {
				args[i], substituted = strings.ReplaceAll(a, "%s", url), true
			}
		}
		if !substituted {
			args = append(args, url)
		}
		return fields[0], args
	}
	goos := s.GOOS
	if goos == "" {
		goos = runtime.GOOS
	}
	switch goos {
	case "darwin":
		return "open", []string{url}
	case "windows":
		return "rundll32", []string{"url.dll,FileProtocolHandler", url}
	}
	// Without a display, xdg-open falls back to a text browser that would
	// take over the terminal; the URL is printed anyway.
	if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
		return "", nil
	}
	return "xdg-open", []string{url}
}

// Stub records the URLs it is asked to open, for tests.
type Stub struct {
	Err  error
	mu   sync.Mutex
	urls []string
}

// Open records url and returns s.Err.
func (s *Stub) Open(url string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.urls = append(s.urls, url)
	return s.Err
}

// URLs returns the URLs opened so far.
func (s *Stub) URLs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.urls...)
}
