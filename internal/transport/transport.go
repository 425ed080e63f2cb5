// Package transport classifies failed HTTP round trips the way the seed
// library numbered them (libcurl's codes), decides whether a failure proves
// a request never left, caps response bodies, and stands in for causes whose
// text held a secret. It is the wire plumbing under package drs.
package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
)

// The libcurl-style codes of transport failures (see drs.Code*).
const (
	UnsupportedProtocol = 1
	CouldNotResolveHost = 6
	CouldNotConnect     = 7
	PartialBody         = 18
	Timeout             = 28
	TLS                 = 35
	Aborted             = 42
	EmptyReply          = 52
	ReceiveError        = 56
	BodyTooLarge        = 63
)

// Code maps a failed round trip or body read to a libcurl-style code.
func Code(err error) int {
	var (
		dnsErr *net.DNSError
		hdrErr tls.RecordHeaderError
		alert  tls.AlertError
		netErr net.Error
	)
	switch {
	case errors.Is(err, ErrBodyTooLarge):
		return BodyTooLarge
	case errors.Is(err, context.Canceled):
		return Aborted
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return Timeout
	case errors.As(err, &dnsErr):
		return CouldNotResolveHost
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return CouldNotConnect
	case BadCertificate(err), errors.As(err, &hdrErr), errors.As(err, &alert), strings.Contains(err.Error(), "tls: "),
		strings.Contains(err.Error(), "HTTP response to HTTPS client"):
		return TLS
	case errors.Is(err, io.ErrUnexpectedEOF):
		return PartialBody
	case errors.Is(err, io.EOF):
		return EmptyReply
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return ReceiveError
	case strings.Contains(err.Error(), "unsupported protocol scheme"):
		return UnsupportedProtocol
	}
	return ReceiveError
}

// NeverSent reports whether err proves the request never reached the server:
// the connection was never made (the host did not resolve, the dial was
// refused, unreachable or timed out), or the TLS handshake failed (an
// untrusted certificate, a plain-HTTP server), which ends before a byte of
// the request is sent.
func NeverSent(err error) bool {
	var opErr *net.OpError
	var dnsErr *net.DNSError
	var hdrErr tls.RecordHeaderError // a plain-HTTP server met the handshake
	if errors.As(err, &dnsErr) || BadCertificate(err) || errors.As(err, &hdrErr) {
		return true
	}
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// BadCertificate reports whether err is a failed certificate check.
func BadCertificate(err error) bool {
	if err == nil {
		return false
	}
	var sc *Scrubbed
	if errors.As(err, &sc) {
		return sc.badCert
	}
	var (
		certErr *tls.CertificateVerificationError
		uaErr   x509.UnknownAuthorityError
		hostErr x509.HostnameError
		invErr  x509.CertificateInvalidError
	)
	return errors.As(err, &certErr) || errors.As(err, &uaErr) || errors.As(err, &hostErr) || errors.As(err, &invErr)
}

// ScrubURL drops the query string and user info from a *url.Error's URL; DRS
// URLs hold no secrets, but a caller-supplied base URL might.
func ScrubURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && (u.RawQuery != "" || u.User != nil) {
			u.RawQuery, u.User = "", nil
			cp := *ue
			cp.URL = u.String()
			return &cp
		}
	}
	return err
}

// IsRoundTrip reports whether err came from the HTTP round trip (it wraps
// a cause, or is a context error) rather than from decoding an answer.
func IsRoundTrip(err error) bool {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		return true
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
