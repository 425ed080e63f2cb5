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
	"strings"
	"time"
	"unicode/utf8"
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

// call is the one request/response chokepoint for DRS: it obtains an access
// token, sets Amazon's headers from op, sends in as JSON, retries as op
// allows, refreshes once on "Invalid token", caps the body, builds typed
// errors and decodes a 2xx body into out (when out is non-nil).
func (c *Client) call(ctx context.Context, op operation, path string, in, out any) (*Response, error) {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return nil, &Error{Code: CodeGeneral, Op: op.name, Message: "encoding request body", Err: err}
		}
	}
	var resp *Response
	e := c.withRetry(ctx, op.name, op.idempotent, func(int) (*Error, time.Duration) {
		var after time.Duration
		var e *Error
		resp, after, e = c.send(ctx, op, path, body)
		return e, after
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

// send makes one attempt, plus one repeat after refreshing the token if DRS
// answers "Invalid token" (the call was refused, so repeating it is safe).
func (c *Client) send(ctx context.Context, op operation, path string, body []byte) (*Response, time.Duration, *Error) {
	for try := 0; ; try++ {
		access, err := c.accessToken(ctx)
		if err != nil {
			e := asError(op.name, err)
			e.final = true // the refresh did its own retries
			return nil, 0, e
		}
		req, err := c.newRequest(ctx, op, path, body, access)
		if err != nil {
			return nil, 0, &Error{Code: CodeGeneral, Op: op.name, Message: "building request", Err: err, final: true}
		}
		start := time.Now()
		hresp, err := c.hc.Do(req)
		if err != nil {
			e := c.scrub(&Error{Code: transportCode(err), Op: op.name, Err: scrubURL(err)}, access)
			c.logCall(ctx, op, path, 0, start, e)
			return nil, 0, e
		}
		b, err := readBody(hresp)
		resp := &Response{StatusCode: hresp.StatusCode, RequestID: hresp.Header.Get(hdrRequestID), TypeVersion: hresp.Header.Get(hdrTypeVersion), Body: b}
		if err != nil {
			e := c.scrub(&Error{Code: transportCode(err), Op: op.name, StatusCode: hresp.StatusCode, RequestID: resp.RequestID, Message: "reading response body", Err: err}, access)
			c.logCall(ctx, op, path, hresp.StatusCode, start, e)
			return resp, 0, e
		}
		if hresp.StatusCode >= 200 && hresp.StatusCode <= 299 {
			c.logCall(ctx, op, path, hresp.StatusCode, start, nil)
			return resp, 0, nil
		}
		e := c.scrub(apiError(op.name, hresp, b), access)
		c.logCall(ctx, op, path, hresp.StatusCode, start, e)
		if try == 0 && errors.Is(e, ErrInvalidToken) {
			c.dropAccessToken(access)
			continue
		}
		return resp, retryAfter(hresp.Header.Get("Retry-After"), time.Now()), e
	}
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
	return e
}

// decodeError builds the *Error for a 2xx response whose body is not the JSON
// expected (code 1010), keeping the body without the Client's secrets.
func (c *Client) decodeError(op operation, resp *Response, err error) *Error {
	return c.scrub(&Error{Code: CodeGeneral, Op: op.name, StatusCode: resp.StatusCode, RequestID: resp.RequestID,
		Message: "response is not the JSON expected", Body: resp.Body, Err: err})
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

// scrubURL drops the query string from a *url.Error; DRS URLs hold no
// secrets, but a caller-supplied base URL might.
func scrubURL(err error) error {
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

// maxSegmentLen bounds a slot ID or event instance ID. Amazon documents 255
// characters for eventInstanceId and nothing for slot IDs; 255 is used for
// both (drs-api.md §3.1).
const maxSegmentLen = 255

// pathSegment validates one path part and escapes it so it reaches the server
// as exactly one segment: '/', '?', '#', '%' and spaces are percent-encoded,
// and "." and ".." are encoded too so no one cleans them away.
func pathSegment(what, s string) (string, error) {
	switch {
	case s == "":
		return "", errors.New(what + " is empty")
	case len(s) > maxSegmentLen:
		return "", errors.New(what + " is longer than 255 bytes")
	case !utf8.ValidString(s):
		return "", errors.New(what + " is not valid UTF-8")
	case strings.Trim(s, ".") == "":
		return strings.ReplaceAll(s, ".", "%2E"), nil
	}
	return url.PathEscape(s), nil
}
