package transport

import (
	"bytes"
	"errors"
	"io"
	"net/http"
)

// MaxBodySize caps every response body the Client reads.
const MaxBodySize = 1 << 20

// ErrBodyTooLarge is returned when a response body exceeds MaxBodySize.
var ErrBodyTooLarge = errors.New("response body exceeds 1 MiB")

// ReadBody reads and closes resp.Body, failing with ErrBodyTooLarge past
// MaxBodySize.
//
// A 1xx answer (101 Switching Protocols) is not read at all: its body is
// the raw connection, which no deadline bounds; the caller treats the status
// as an error.
func ReadBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	if resp.StatusCode < 200 {
		return nil, nil
	}
	if resp.ContentLength > MaxBodySize {
		return nil, ErrBodyTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodySize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxBodySize {
		return nil, ErrBodyTooLarge
	}
	return b, nil
}

// BufferingTransport reads each response body in full (with the size cap)
// before handing the response on, so that golang.org/x/oauth2, which flattens
// body-read errors into strings, sees either a complete body or a round-trip
// error that keeps its cause for Code.
type BufferingTransport struct{ base http.RoundTripper }

// RoundTrip sends req through the base transport and buffers the body.
func (t BufferingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	b, err := ReadBody(resp)
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	return resp, nil
}

// BufferedClient returns a copy of hc whose transport buffers bodies (see
// BufferingTransport).
func BufferedClient(hc *http.Client) *http.Client {
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cp := *hc
	cp.Transport = BufferingTransport{base: base}
	return &cp
}

// OnceBody returns b as a request body that cannot be rewound (no
// GetBody, not http.NoBody), so no transport resends the request on its
// own. Go's HTTP/1 transport sends such a body chunked.
func OnceBody(b []byte) io.ReadCloser {
	return io.NopCloser(onceReader{bytes.NewReader(b)})
}

// onceReader hides bytes.Reader's type, which net/http would recognise as
// an in-memory body it may replay.
type onceReader struct{ r *bytes.Reader }

func (o onceReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// NoReplay wraps base so that a request's body cannot be replayed by the
// transport (GetBody is dropped): for requests that must be sent once,
// such as a single-use authorization code.
func NoReplay(base http.RoundTripper) http.RoundTripper {
	return noReplay{base}
}

type noReplay struct{ base http.RoundTripper }

func (n noReplay) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.GetBody != nil {
		req = req.Clone(req.Context())
		req.GetBody = nil
	}
	return n.base.RoundTrip(req)
}
