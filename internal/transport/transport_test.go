package transport

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
)

func urlErr(err error) error {
	return &url.Error{Op: "Post", URL: "https://drs.example/replenish/x", Err: err}
}

func opErr(op string, errno syscall.Errno) error {
	return &net.OpError{Op: op, Net: "tcp", Err: os.NewSyscallError(op, errno)}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// TestClassify is the table of transport failures: their libcurl code and
// whether they prove the request never left.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name      string
		err       error
		code      int
		neverSent bool
	}{
		{"unknown host", urlErr(&net.DNSError{Err: "no such host", Name: "drs.example", IsNotFound: true}), CouldNotResolveHost, true},
		{"refused", urlErr(opErr("dial", syscall.ECONNREFUSED)), CouldNotConnect, true},
		{"unreachable", urlErr(opErr("dial", syscall.EHOSTUNREACH)), CouldNotConnect, true},
		{"dial timeout", urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: timeoutErr{}}), Timeout, true},
		{"read timeout", urlErr(&net.OpError{Op: "read", Net: "tcp", Err: timeoutErr{}}), Timeout, false},
		{"deadline", urlErr(context.DeadlineExceeded), Timeout, false},
		{"cancelled", urlErr(context.Canceled), Aborted, false},
		{"reset", urlErr(opErr("read", syscall.ECONNRESET)), ReceiveError, false},
		{"broken pipe", urlErr(opErr("write", syscall.EPIPE)), ReceiveError, false},
		{"empty reply", urlErr(io.EOF), EmptyReply, false},
		{"cut short", fmt.Errorf("reading: %w", io.ErrUnexpectedEOF), PartialBody, false},
		{"too large", ErrBodyTooLarge, BodyTooLarge, false},
		{"untrusted certificate", urlErr(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), TLS, true},
		{"TLS alert", urlErr(tls.AlertError(40)), TLS, false},
		{"plain HTTP server", urlErr(errors.New("http: server gave HTTP response to HTTPS client")), TLS, false},
		{"bad scheme", urlErr(errors.New(`unsupported protocol scheme "ftp"`)), UnsupportedProtocol, false},
		{"anything else", errors.New("weird"), ReceiveError, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Code(tc.err); got != tc.code {
				t.Errorf("Code = %d, want %d", got, tc.code)
			}
			if got := NeverSent(tc.err); got != tc.neverSent {
				t.Errorf("NeverSent = %v, want %v", got, tc.neverSent)
			}
		})
	}
}

// TestScrub: a scrubbed cause prints the new text, keeps its markers and
// Timeout, and does not unwrap to the original.
func TestScrub(t *testing.T) {
	orig := fmt.Errorf("echo SECRET: %w", errors.Join(urlErr(&net.OpError{Op: "read", Net: "tcp", Err: timeoutErr{}}), io.EOF, syscall.ECONNRESET))
	s := Scrub(orig, "echo [redacted]")
	if s.Error() != "echo [redacted]" {
		t.Errorf("Error() = %q", s.Error())
	}
	for _, m := range []error{io.EOF, syscall.ECONNRESET} {
		if !errors.Is(s, m) {
			t.Errorf("errors.Is(scrubbed, %v) = false", m)
		}
	}
	var ne net.Error
	if !errors.As(s, &ne) || !ne.Timeout() {
		t.Error("the scrubbed cause lost Timeout")
	}
	WalkChain(s, func(e error) bool {
		if strings.Contains(e.Error(), "SECRET") {
			t.Errorf("%T in the chain holds the original text", e)
		}
		return true
	})
	var ue *url.Error
	if errors.As(s, &ue) {
		t.Error("the scrubbed cause unwraps to the original *url.Error")
	}
	if cert := Scrub(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, "x"); !BadCertificate(cert) {
		t.Error("a scrubbed certificate failure is no longer one")
	}
}

func TestReadBody(t *testing.T) {
	for _, tc := range []struct {
		name    string
		body    string
		length  int64
		wantErr error
	}{
		{"small", "{}", 2, nil},
		{"at the cap", strings.Repeat("a", MaxBodySize), -1, nil},
		{"over the cap", strings.Repeat("a", MaxBodySize+1), -1, ErrBodyTooLarge},
		{"declared over the cap", "{}", MaxBodySize + 1, ErrBodyTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ReadBody(&http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(tc.body)), ContentLength: tc.length})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err == nil && !bytes.Equal(b, []byte(tc.body)) {
				t.Errorf("body of %d bytes, want %d", len(b), len(tc.body))
			}
		})
	}
}

// TestReadBodySkips1xx: a 101's body is the raw connection, which no
// deadline bounds: it is closed, not read.
func TestReadBodySkips1xx(t *testing.T) {
	r, w := io.Pipe() // a reader that never ends
	defer w.Close()
	b, err := ReadBody(&http.Response{StatusCode: 101, Body: r, ContentLength: -1})
	if b != nil || err != nil {
		t.Fatalf("ReadBody(101) = %q, %v; want nothing read", b, err)
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Error("the 101 body was not closed")
	}
}

func TestScrubURL(t *testing.T) {
	err := ScrubURL(&url.Error{Op: "Get", URL: "https://user:pw@drs.example/p?token=Atza%7Cx", Err: io.EOF})
	if strings.Contains(err.Error(), "pw") || strings.Contains(err.Error(), "Atza") || !errors.Is(err, io.EOF) {
		t.Errorf("ScrubURL = %v", err)
	}
}
