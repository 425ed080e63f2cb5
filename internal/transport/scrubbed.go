package transport

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
)

// Scrubbed stands for a cause whose text held a secret. It prints the
// scrubbed text and does not unwrap to the original, whose chain still
// holds the secret; instead it unwraps to the markers found in that chain
// that carry no text from the network (context.Canceled,
// context.DeadlineExceeded, io.EOF, io.ErrUnexpectedEOF, ErrBodyTooLarge,
// syscall errors), so errors.Is keeps working, and it answers Timeout like
// the net.Error it replaces. Classify a failure (Code, NeverSent) before
// scrubbing it.
type Scrubbed struct {
	msg     string
	marks   []error
	timeout bool
	badCert bool // a failed certificate check (see BadCertificate)
}

// Scrub returns a Scrubbed for err that prints msg.
func Scrub(err error, msg string) *Scrubbed {
	s := &Scrubbed{msg: msg, badCert: BadCertificate(err)}
	var ne net.Error
	s.timeout = errors.As(err, &ne) && ne.Timeout()
	WalkChain(err, func(e error) bool {
		var errno syscall.Errno
		switch {
		case e == context.Canceled, e == context.DeadlineExceeded, e == io.EOF, e == io.ErrUnexpectedEOF, e == ErrBodyTooLarge:
			s.marks = append(s.marks, e)
		case errors.As(e, &errno) && e == error(errno):
			s.marks = append(s.marks, errno)
		}
		return true
	})
	return s
}

func (s *Scrubbed) Error() string { return s.msg }

// Unwrap returns the markers of the original cause.
func (s *Scrubbed) Unwrap() []error { return s.marks }

// Timeout reports whether the original cause was a timeout.
func (s *Scrubbed) Timeout() bool { return s.timeout }

// Temporary reports the same as Timeout, as net.Error's deprecated method.
func (s *Scrubbed) Temporary() bool { return s.timeout }

// WalkChain calls fn on err and every error it wraps (Unwrap() error and
// Unwrap() []error), depth first, until fn returns false; it returns false
// if fn did.
func WalkChain(err error, fn func(error) bool) bool {
	if err == nil {
		return true
	}
	if !fn(err) {
		return false
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return WalkChain(u.Unwrap(), fn)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if !WalkChain(e, fn) {
				return false
			}
		}
	}
	return true
}
