package drs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/amazondrs/drs/internal/backoff"
	"github.com/amazondrs/drs/internal/transport"
)

// Response is what every DRS call keeps of Amazon's answer, for fields the
// typed result does not (yet) know and for Amazon support.
type Response struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// RequestID is the X-Amzn-Requestid header.
	RequestID string
	// TypeVersion is the x-amzn-type-version header: the result schema.
	TypeVersion string
	// Body is the raw response body (at most 1 MiB).
	Body []byte
}

// Header names, in canonical form so they can be set without rework.
const (
	hdrTypeVersion = "X-Amzn-Type-Version"
	hdrAcceptType  = "X-Amzn-Accept-Type"
	hdrRequestID   = "X-Amzn-Requestid"
	hdrErrorType   = "X-Amzn-Errortype"
)

// call is the one request/response chokepoint for DRS: within the policy's
// time budget it runs the retry loop (retryCall) over attempt, then decodes
// a 2xx body into out (when out is non-nil).
func (c *Client) call(ctx context.Context, op operation, path string, in, out any) (*Response, error) {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return nil, &Error{Code: CodeGeneral, Op: op.name, Message: "encoding request body", Err: err}
		}
	}
	resp, e := retryCall(ctx, c, op, func(ctx context.Context, b budget) (*Response, time.Duration, *Error) {
		return c.attempt(ctx, b, op, path, body)
	})
	if e != nil {
		return resp, e
	}
	if out != nil {
		if len(resp.Body) == 0 {
			return resp, c.decodeError(op, resp, errors.New("empty body"))
		}
		if err := json.Unmarshal(resp.Body, out); err != nil {
			return resp, c.decodeError(op, resp, err)
		}
	}
	return resp, nil
}

// attempt makes one request of op: it gets an access token (waiting for a
// shared refresh if one runs, within ctx), sends the request under the
// policy's AttemptTimeout, and reads the whole answer. It returns the
// answer, the wait a Retry-After asked for, and the failure, classified
// (Code, OutcomeUnknown) before it is scrubbed of secrets.
func (c *Client) attempt(ctx context.Context, b budget, op operation, path string, body []byte) (*Response, time.Duration, *Error) {
	access, err := c.accessToken(ctx, b)
	if err != nil {
		return nil, 0, asError(opRefresh.name, err) // nothing was sent: the outcome is known
	}
	ctx, cancel := b.attempt(ctx)
	defer cancel()
	req, err := c.newRequest(ctx, op, path, body, access)
	if err != nil {
		return nil, 0, &Error{Code: CodeGeneral, Op: op.name, Message: "building request", Err: err}
	}
	start := time.Now()
	if err := ctx.Err(); err != nil { // nothing is sent: the outcome is known
		return nil, 0, &Error{Code: transport.Code(err), Op: op.name, Err: err}
	}
	hresp, err := c.hc.Do(req)
	if err != nil {
		e := &Error{Code: transport.Code(err), Op: op.name, Err: transport.ScrubURL(err), OutcomeUnknown: !op.idempotent && !transport.NeverSent(err)}
		e = c.scrub(e, access)
		c.logCall(ctx, op, path, 0, start, e)
		return nil, 0, e
	}
	rb, err := transport.ReadBody(hresp)
	resp := &Response{StatusCode: hresp.StatusCode, RequestID: hresp.Header.Get(hdrRequestID), TypeVersion: hresp.Header.Get(hdrTypeVersion), Body: rb}
	var e *Error
	switch {
	case err != nil:
		e = &Error{Code: transport.Code(err), Op: op.name, StatusCode: hresp.StatusCode, RequestID: resp.RequestID,
			Message: "reading response body", Err: err, OutcomeUnknown: !op.idempotent}
	case hresp.StatusCode >= 200 && hresp.StatusCode <= 299:
		c.logCall(ctx, op, path, hresp.StatusCode, start, nil)
		return resp, 0, nil
	default:
		e = apiError(op.name, hresp, rb)
		// DRS refused the request (4xx): nothing happened. Any other
		// status (a 5xx; a 3xx, which a 303 uses to say a POST was
		// processed; a stray 1xx) leaves it open whether it did.
		e.OutcomeUnknown = !op.idempotent && (hresp.StatusCode < 400 || hresp.StatusCode >= 500)
		if errors.Is(e, ErrInvalidToken) {
			c.dropAccessToken(access) // the next attempt refreshes (see shouldRetry)
		}
	}
	e = c.scrub(e, access)
	c.logCall(ctx, op, path, hresp.StatusCode, start, e)
	return resp, backoff.RetryAfter(hresp.Header.Get("Retry-After"), time.Now()), e
}

func (c *Client) newRequest(ctx context.Context, op operation, path string, body []byte, access string) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, op.method, c.endpoints.DRS+path, r)
	if err != nil {
		return nil, err
	}
	if !op.idempotent && req.URL.Scheme == "https" {
		// Go's HTTP/2 transport (negotiated over TLS) resends a request
		// whose body is nil or rewindable after a stream reset, which
		// proves nothing about whether the server acted on it. A body that
		// cannot be rewound keeps it to one send (see doc.go).
		req.Body, req.GetBody = transport.OnceBody(body), nil
	}
	h := req.Header
	h["Authorization"] = []string{"Bearer " + access}
	h[hdrTypeVersion] = []string{op.typeVer}
	h[hdrAcceptType] = []string{op.acceptType}
	h["Accept"] = []string{"application/json"}
	if body != nil {
		h["Content-Type"] = []string{"application/json"}
	}
	return req, nil
}

// apiError builds the *Error for a non-2xx DRS response.
func apiError(op string, resp *http.Response, body []byte) *Error {
	e := &Error{
		Code:       resp.StatusCode,
		Op:         op,
		StatusCode: resp.StatusCode,
		ErrorType:  errorType(resp.Header.Get(hdrErrorType)),
		RequestID:  resp.Header.Get(hdrRequestID),
		Body:       body,
	}
	if e.Code < 100 || e.Code > 999 {
		e.Code = CodeGeneral
	}
	var msg struct {
		Message  string `json:"message"`
		MessageU string `json:"Message"`
	}
	if json.Unmarshal(body, &msg) == nil {
		e.Message = firstNonEmpty(msg.Message, msg.MessageU)
	}
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		e.Location = cleanLocation(resp.Header.Get("Location"))
		if e.Message == "" {
			e.Message = "redirect not followed"
		}
	}
	return e
}

// cleanLocation returns a redirect's Location without what may carry a
// secret or a code (user info, query, fragment). The Client's secrets are
// scrubbed from what is left later, with the other fields.
func cleanLocation(loc string) string {
	if loc == "" {
		return ""
	}
	u, err := url.Parse(loc)
	if err != nil {
		return "(unparseable)"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

// decodeError builds the *Error for a 2xx response whose body is not the JSON
// expected (code 1010), keeping the body without the Client's secrets. DRS
// answered with success, so for Replenish an order may have been placed.
func (c *Client) decodeError(op operation, resp *Response, err error) *Error {
	return c.scrub(&Error{Code: CodeGeneral, Op: op.name, StatusCode: resp.StatusCode, RequestID: resp.RequestID,
		Message: "response is not the JSON expected", Body: resp.Body, Err: err, OutcomeUnknown: !op.idempotent})
}

// asError returns err as an *Error for op (copying it, so the shared result
// of a single-flight refresh is never mutated).
func asError(op string, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		cp := *e
		return &cp
	}
	return &Error{Code: CodeGeneral, Op: op, Err: err}
}

func (c *Client) logCall(ctx context.Context, op operation, path string, status int, start time.Time, e *Error) {
	l := c.log()
	if l == nil {
		return
	}
	attrs := []slog.Attr{slog.String("op", op.name), slog.String("method", op.method), slog.String("path", path),
		slog.Int("status", status), slog.Duration("took", time.Since(start))}
	if e != nil {
		attrs = append(attrs, slog.Int("code", e.Code), slog.String("error", e.Error()))
	}
	l.LogAttrs(ctx, slog.LevelDebug, "drs: call", attrs...)
}
