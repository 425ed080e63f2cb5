package drs

import (
	"errors"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/oauth2"

	"github.com/amazondrs/drs/internal/transport"
)

// The seed library's error codes. 0 is success; 1-99 are transport failures,
// numbered like libcurl's (the seed ran on a libcurl-based HTTP stack); 100-999
// are the HTTP status Amazon answered with; the rest are the library's own.
const (
	// CodeOK means no error.
	CodeOK = 0
	// CodeUnsupportedProtocol means the URL's scheme is not http or https.
	CodeUnsupportedProtocol = transport.UnsupportedProtocol
	// CodeCouldNotResolveHost means the DNS lookup failed.
	CodeCouldNotResolveHost = transport.CouldNotResolveHost
	// CodeCouldNotConnect means the connection was refused or could not be made.
	CodeCouldNotConnect = transport.CouldNotConnect
	// CodePartialBody means the response body ended before its declared length.
	CodePartialBody = transport.PartialBody
	// CodeTimeout means the request or the context timed out.
	CodeTimeout = transport.Timeout
	// CodeTLS means the TLS handshake or the certificate check failed.
	CodeTLS = transport.TLS
	// CodeAborted means the context was cancelled.
	CodeAborted = transport.Aborted
	// CodeEmptyReply means the server closed the connection without a response.
	CodeEmptyReply = transport.EmptyReply
	// CodeReceiveError means receiving the response failed (a connection
	// reset, a broken pipe, ...).
	CodeReceiveError = transport.ReceiveError
	// CodeBodyTooLarge means the response body exceeds the 1 MiB cap.
	CodeBodyTooLarge = transport.BodyTooLarge
	// CodeNotAuthenticated means there is no refresh token, or LWA rejected it.
	CodeNotAuthenticated = 1000
	// CodeLoginInProgress means a login is already running.
	CodeLoginInProgress = 1001
	// CodeGeneral means anything else: bad input, a response that is not the
	// JSON expected, ...
	CodeGeneral = 1010
)

// Error is the error every Client method returns (possibly wrapped). Code is
// the seed library's numeric code; the other fields keep what Amazon said.
// Use [errors.As] to reach it and [errors.Is] with the Err* sentinels to branch.
// No field holds a token or the client secret: values a server echoes back
// are replaced by "[redacted]".
type Error struct {
	// Code is the seed library's error code (see the Code* constants).
	Code int
	// Op names the operation, e.g. "Replenish" or "RefreshToken".
	Op string
	// StatusCode is the HTTP status of the response, 0 if there was none.
	StatusCode int
	// Message is Amazon's "message" from a DRS error body, or the library's
	// own description of the failure.
	Message string
	// ErrorType is the part of the X-Amzn-Errortype header before ':', e.g.
	// "InvalidTokenException".
	ErrorType string
	// RequestID is the X-Amzn-Requestid header, for Amazon support.
	RequestID string
	// OAuthError is LWA's "error", e.g. "invalid_grant".
	OAuthError string
	// OAuthErrorDescription is LWA's "error_description".
	OAuthErrorDescription string
	// Body is the raw response body of a DRS error (capped at 1 MiB), with
	// any of the Client's secrets a server echoed replaced by "[redacted]".
	// It is never kept for token responses, which may hold tokens.
	Body []byte
	// Location is the Location header of a 3xx answer, which the Client
	// never follows, without its user info, query and fragment.
	Location string
	// OutcomeUnknown is true when the request may have reached DRS and
	// been acted on although the call failed: a timeout, reset or empty
	// reply after the connection was made, a 5xx, a 3xx, a 2xx that could
	// not be read or decoded. Only Replenish sets it, the one call whose
	// repeat costs money; test it with errors.Is(err, ErrOutcomeUnknown).
	OutcomeUnknown bool
	// Err is the underlying cause, if any. When its text held a secret it
	// is replaced by a cause with the scrubbed text that still matches
	// context.Canceled, context.DeadlineExceeded, io.EOF,
	// io.ErrUnexpectedEOF and syscall errors with errors.Is, and net.Error
	// with errors.As; it does not unwrap to the original.
	Err error
}

// Error describes the failure on one line, without secrets. Text that came
// from the network (Amazon's message, headers, OAuth error fields) is made
// printable: invalid UTF-8 and control characters (line breaks included)
// become U+FFFD and spaces, and each part is cut at 512 bytes, so the
// server cannot forge or flood log lines. The fields keep the raw text.
func (e *Error) Error() string {
	return "drs: " + e.Detail() + " (code " + strconv.Itoa(e.Code) + ")" + e.requestID()
}

// Detail is Error's text without the "drs: " prefix, the code and the
// request ID: the operation, the status and what Amazon or the library said,
// with a cause that is itself an *Error given by its Detail, so no code
// appears twice. Programs that print the code their own way (the CLI)
// format from it and the fields.
func (e *Error) Detail() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(printable(e.Op))
		b.WriteString(": ")
	}
	switch {
	case e.StatusCode != 0:
		b.WriteString("HTTP ")
		b.WriteString(strconv.Itoa(e.StatusCode))
		if e.ErrorType != "" {
			b.WriteString(" " + printable(e.ErrorType))
		}
		if e.OAuthError != "" {
			b.WriteString(" " + printable(e.OAuthError))
		}
		if msg := firstNonEmpty(e.Message, e.OAuthErrorDescription); msg != "" {
			b.WriteString(": " + printable(msg))
		}
		if e.Location != "" {
			b.WriteString(" (Location " + printable(e.Location) + ")")
		}
	case e.Message != "":
		b.WriteString(printable(e.Message))
		if e.OAuthError != "" {
			b.WriteString(" (" + printable(e.OAuthError))
			if e.OAuthErrorDescription != "" {
				b.WriteString(": " + printable(e.OAuthErrorDescription))
			}
			b.WriteString(")")
		}
	case e.Err != nil:
		b.WriteString(causeText(e.Err))
	default:
		b.WriteString("error")
	}
	// The cause, unless the switch above already printed it.
	if e.Err != nil && (e.StatusCode != 0 || e.Message != "") {
		b.WriteString(": " + causeText(e.Err))
	}
	return b.String()
}

// requestID is Error's " [request id X]" suffix, or "".
func (e *Error) requestID() string {
	if e.RequestID == "" {
		return ""
	}
	return " [request id " + printable(e.RequestID) + "]"
}

// causeText prints a cause: an *Error by its Detail (and request ID), any
// other error by its text, made printable.
func causeText(err error) string {
	if ce, ok := err.(*Error); ok {
		return ce.Detail() + ce.requestID()
	}
	return printable(err.Error())
}

// maxPrintable caps one part of an error text or login page message.
const maxPrintable = 512

// printable returns s as one line of valid UTF-8 of at most about
// maxPrintable bytes: invalid bytes become U+FFFD, control characters and
// Unicode line and paragraph separators become spaces, and a longer text is
// cut at a rune boundary and ends with "…".
func printable(s string) string {
	clean := len(s) <= maxPrintable
	for i := 0; clean && i < len(s); i++ {
		clean = s[i] >= 0x20 && s[i] < 0x7f
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if b.Len() >= maxPrintable {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

// summary is the short form of e that retry decisions log: its code and
// status.
func (e *Error) summary() string {
	s := "code " + strconv.Itoa(e.Code)
	if e.StatusCode != 0 {
		s += ", HTTP " + strconv.Itoa(e.StatusCode)
	}
	return s
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether e matches one of the Err* sentinels.
func (e *Error) Is(target error) bool {
	s, ok := target.(*sentinel)
	return ok && s.match(e)
}

// Temporary reports whether the same call may succeed later: a transport
// failure, HTTP 429 or a 5xx. A certificate the client does not trust
// (code 35 from the certificate check, not from a broken handshake) will
// not be trusted on the next try either, so it is not temporary.
func (e *Error) Temporary() bool {
	return (e.Code > 0 && e.Code < 100 && e.Code != CodeUnsupportedProtocol && e.Code != CodeBodyTooLarge && !transport.BadCertificate(e.Err)) ||
		e.StatusCode == 429 || e.StatusCode >= 500
}

// msgTokenNotSaved is the message of the error ErrTokenNotSaved matches.
const msgTokenNotSaved = "the device is linked but saving its refresh token failed"

type sentinel struct {
	text  string
	match func(*Error) bool
}

func (s *sentinel) Error() string { return "drs: " + s.text }

// Sentinels for errors.Is. Each matches an [*Error] by what callers decide on.
var (
	// ErrNotAuthenticated matches code 1000: there is no refresh token, or LWA
	// rejected it (invalid_grant); the device must be linked again.
	ErrNotAuthenticated error = &sentinel{"not authenticated", func(e *Error) bool { return e.Code == CodeNotAuthenticated }}
	// ErrLoginInProgress matches code 1001.
	ErrLoginInProgress error = &sentinel{"login already in progress", func(e *Error) bool { return e.Code == CodeLoginInProgress }}
	// ErrGeneral matches code 1010.
	ErrGeneral error = &sentinel{"general error", func(e *Error) bool { return e.Code == CodeGeneral }}
	// ErrTransport matches codes 1-99: the request or response did not make it.
	ErrTransport error = &sentinel{"transport failure", func(e *Error) bool { return e.Code > 0 && e.Code < 100 }}
	// ErrHTTP matches codes 100-999: the server answered with an error status.
	ErrHTTP error = &sentinel{"HTTP error status", func(e *Error) bool { return e.Code >= 100 && e.Code < 1000 }}
	// ErrTimeout matches code 28.
	ErrTimeout error = &sentinel{"timeout", func(e *Error) bool { return e.Code == CodeTimeout }}
	// ErrInvalidToken matches DRS's 400 "Invalid token" (InvalidTokenException)
	// that survived one refresh and retry.
	ErrInvalidToken error = &sentinel{"invalid token", func(e *Error) bool {
		return e.StatusCode == 400 && (e.ErrorType == "InvalidTokenException" || e.Message == "Invalid token")
	}}
	// ErrSlotNotFound matches DRS's 404 for an unknown slot, which Amazon
	// documents for Replenish only; a 404 from another call (an unknown
	// order ID, a wrong base URL) is not a missing slot.
	ErrSlotNotFound error = &sentinel{"slot not found", func(e *Error) bool { return e.StatusCode == 404 && e.Op == opReplenish.name }}
	// ErrOutcomeUnknown matches a Replenish failure after which an order
	// may have been placed: the request may have reached DRS (a timeout,
	// a reset or an empty reply after the connection was made, a 5xx, a
	// 2xx that could not be read or decoded) or the server answered with a
	// redirect, which the Client never follows (a 303 is how a server says
	// it processed a POST). Before sending Replenish again, check with
	// OrderInfo or SubscriptionInfo; sending it again can order twice. It
	// does not match when the request provably never left (DNS failure,
	// connection refused, no access token) or DRS refused it (4xx).
	ErrOutcomeUnknown error = &sentinel{"outcome unknown: an order may have been placed", func(e *Error) bool { return e.OutcomeUnknown }}
	// ErrTokenNotSaved matches a code exchange that linked the device at
	// Amazon but whose token the token-change hook (WithTokenStore) failed
	// to save: the device is linked, the Client holds the token (Exchange
	// returns it too), and [Client.SaveToken] tries the save again. It is
	// not a failed link: linking again is not needed.
	ErrTokenNotSaved error = &sentinel{"the device is linked but its token was not saved", func(e *Error) bool {
		return e.Op == "Exchange" && e.Message == msgTokenNotSaved
	}}
	// ErrRateLimited matches HTTP 429.
	ErrRateLimited error = &sentinel{"rate limited", func(e *Error) bool { return e.StatusCode == 429 }}
)

// Code returns the seed library's error code for err: 0 for nil, the code of
// an [*Error] in err's chain, and 1010 for any other error.
func Code(err error) int {
	if err == nil {
		return CodeOK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeGeneral
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// oauthError fills e from an LWA error response.
func oauthError(e *Error, re *oauth2.RetrieveError) {
	e.OAuthError = re.ErrorCode
	e.OAuthErrorDescription = re.ErrorDescription
	if re.Response != nil {
		e.StatusCode = re.Response.StatusCode
		e.RequestID = re.Response.Header.Get("X-Amzn-Requestid")
		e.ErrorType = errorType(re.Response.Header.Get("X-Amzn-Errortype"))
		if c := re.Response.StatusCode; c >= 300 && c <= 399 {
			e.Location = cleanLocation(re.Response.Header.Get("Location"))
			e.Message = "redirect not followed"
		}
	}
}

// errorType returns the part of an X-Amzn-Errortype value before ':'.
func errorType(h string) string {
	if i := strings.IndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	return strings.TrimSpace(h)
}
