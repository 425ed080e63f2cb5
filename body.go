package drs

import (
	"bytes"
	"io"
	"net/http"
)

// maxBodySize caps every response body the Client reads.
const maxBodySize = 1 << 20

// readBody reads and closes resp.Body, failing with errBodyTooLarge past
// maxBodySize.
func readBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	if resp.ContentLength > maxBodySize {
		return nil, errBodyTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBodySize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxBodySize {
		return nil, errBodyTooLarge
	}
	return b, nil
}

// bufferingTransport reads each response body in full (with the size cap)
// before handing the response on, so that golang.org/x/oauth2, which flattens
// body-read errors into strings, sees either a complete body or a round-trip
// error that keeps its cause for transportCode.
type bufferingTransport struct{ base http.RoundTripper }

func (t bufferingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	b, err := readBody(resp)
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	return resp, nil
}

// tokenHTTPClient returns a copy of hc whose transport buffers bodies.
func tokenHTTPClient(hc *http.Client) *http.Client {
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cp := *hc
	cp.Transport = bufferingTransport{base: base}
	return &cp
}
