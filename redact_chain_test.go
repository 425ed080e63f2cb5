package drs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/oauth2"

	"github.com/amazondrs/drs/internal/transport"
)

// opaqueError hides its cause's text but still wraps it.
type opaqueError struct{ err error }

func (o opaqueError) Error() string { return "opaque failure" }
func (o opaqueError) Unwrap() error { return o.err }

// timeoutError is a net.Error timeout whose text is text.
type timeoutError struct{ text string }

func (t timeoutError) Error() string   { return t.text }
func (t timeoutError) Timeout() bool   { return true }
func (t timeoutError) Temporary() bool { return true }

// chainOf builds one of several cause shapes around text.
func chainOf(kind uint8, text string) error {
	switch kind % 6 {
	case 0: // a transport error as net/http returns it
		return &url.Error{Op: "Post", URL: "https://drs.example", Err: &net.OpError{Op: "read", Net: "tcp",
			Err: fmt.Errorf("%s: %w", text, os.NewSyscallError("read", syscall.ECONNRESET))}}
	case 1:
		return fmt.Errorf("wrap: %w", errors.Join(context.DeadlineExceeded, errors.New(text)))
	case 2: // a cause whose own text is clean but whose chain is not
		return fmt.Errorf("outer: %w", opaqueError{fmt.Errorf("%s: %w", text, io.ErrUnexpectedEOF)})
	case 3:
		return &url.Error{Op: "Get", URL: "https://drs.example", Err: timeoutError{text}}
	case 4:
		return fmt.Errorf("%w: %s", context.Canceled, text)
	default:
		return errors.Join(io.EOF, opaqueError{errors.New(text)})
	}
}

// markers are what a scrubbed cause must still match.
var markers = []error{context.Canceled, context.DeadlineExceeded, io.EOF, io.ErrUnexpectedEOF, syscall.ECONNRESET}

// FuzzScrubChain walks the whole chain of a scrubbed error: no error in it
// prints the secret, and errors.Is for the markers and the net.Error
// timeout answer as they did on the original.
func FuzzScrubChain(f *testing.F) {
	f.Add("Atzr|IwEBIsecret-refresh-token", "malformed HTTP response ", "", uint8(0))
	f.Add("s3cret-client-secret", `{"echo":"`, `"}`, uint8(1))
	f.Add("Atza|access-token-xyz", "", " trailing", uint8(2))
	f.Add("Atza|access-token-xyz", "dial ", "", uint8(3))
	f.Add("Atzr|IwEBIsecret-refresh-token", "", "", uint8(4))
	f.Add("Atzr|IwEBIsecret-refresh-token", "x", "y", uint8(5))
	f.Fuzz(func(t *testing.T, secret, prefix, suffix string, kind uint8) {
		if len(secret) < minSecretLen || strings.TrimSpace(secret) != secret {
			return
		}
		for _, m := range append(markers, errors.New("opaque failure wrap outer read tcp Post Get https://drs.example")) {
			if strings.Contains(m.Error(), secret) || strings.Contains(secret, "\x00") {
				return // the secret is part of the fixed text
			}
		}
		orig := chainOf(kind, prefix+secret+suffix)
		if !strings.Contains(fmt.Sprint(orig), secret) && !chainHolds(orig, secret) {
			return
		}
		c := &Client{oauth: &oauth2.Config{ClientSecret: secret}}
		e := c.scrub(&Error{Code: transport.Code(orig), Op: "Test", Err: orig})
		transport.WalkChain(e, func(x error) bool {
			if strings.Contains(x.Error(), secret) {
				t.Errorf("%T in the chain prints the secret: %q", x, x.Error())
			}
			return true
		})
		for _, s := range []string{fmt.Sprintf("%v", e), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e.Err)} {
			if strings.Contains(s, secret) {
				t.Errorf("formatted error holds the secret: %s", s)
			}
		}
		for _, m := range markers {
			if got, want := errors.Is(e, m), errors.Is(orig, m); got != want {
				t.Errorf("errors.Is(scrubbed, %v) = %v, original %v", m, got, want)
			}
		}
		var ne net.Error
		want := errors.As(orig, &ne) && ne.Timeout()
		if got := errors.As(e, &ne) && ne.Timeout(); got != want {
			t.Errorf("net.Error timeout = %v, original %v", got, want)
		}
		var de *Error
		if !errors.As(e, &de) || !errors.Is(e, ErrTransport) != (e.Code >= 100) {
			t.Errorf("errors.As to *Error or the transport sentinel broke: %v", e)
		}
	})
}

func chainHolds(err error, secret string) bool {
	found := false
	transport.WalkChain(err, func(x error) bool { found = strings.Contains(x.Error(), secret); return !found })
	return found
}
