package drssim

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// malformedBody is the body a Malformed fault sends: JSON cut short.
var malformedBody = []byte(`{"eventInstanceId":`)

// serveFault serves one call under fault f; see [Fault] for the order in
// which its parts apply.
func (s *Server) serveFault(w http.ResponseWriter, in *inflight, h handlerFunc, f Fault) {
	what := describeFault(f)
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-in.r.Context().Done():
			t.Stop()
			s.done(in, 0, "cancelled", what+" (request cancelled)")
			return
		}
	}
	if f.Drop == "before" {
		s.done(in, 0, "dropped", what)
		drop(w)
		return
	}
	var resp response
	switch {
	case f.HTML:
		resp = htmlFaultResponse(f)
	case f.Status != 0:
		resp = statusFaultResponse(in.ep, f)
	default:
		resp = h(in.r)
	}
	if f.Drop == "after" {
		s.done(in, 0, "dropped after "+outcomeOf(resp), what)
		drop(w)
		return
	}
	switch {
	case f.Malformed:
		resp.body, resp.contentType = malformedBody, ctJSON
	case f.BodySize > 0:
		resp.body, resp.contentType = jsonPadding(f.BodySize), ctJSON
	}
	resp = withFaultHeaders(resp, f)
	s.done(in, resp.status, outcomeOf(resp), what)
	if f.Truncate {
		s.writeTruncated(w, resp)
		return
	}
	s.write(w, resp)
}

// describeFault names the parts of f for the request log.
func describeFault(f Fault) string {
	var parts []string
	add := func(on bool, name string) {
		if on {
			parts = append(parts, name)
		}
	}
	add(f.Delay > 0, "delay "+f.Delay.String())
	add(f.Drop != "", "drop "+f.Drop)
	add(f.HTML, "html")
	add(f.Status != 0 && !f.HTML, "status "+strconv.Itoa(f.Status))
	add(f.Malformed, "malformed")
	add(f.BodySize > 0, "body_size "+strconv.Itoa(f.BodySize))
	add(f.Truncate, "truncate")
	add(len(f.Headers) > 0 || f.RetryAfter != "", "headers")
	return strings.Join(parts, ", ")
}

// drop closes the connection without a response. Without a hijackable
// connection (HTTP/2, httptest.ResponseRecorder) it aborts the handler, which
// resets the stream.
func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// writeTruncated sends resp's status and headers with a Content-Length of the
// whole body, writes only the first half of the body, and closes the
// connection.
func (s *Server) writeTruncated(w http.ResponseWriter, resp response) {
	body := resp.body
	if len(body) < 2 {
		body = []byte(`{"message":"truncated"}`)
	}
	hdr := w.Header().Clone() // the request ID
	s.date(hdr)
	for k, v := range resp.header {
		hdr[k] = v
	}
	if resp.contentType != nil {
		hdr["Content-Type"] = resp.contentType
	}
	hdr["Content-Length"] = []string{strconv.Itoa(len(body))}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		for k, v := range hdr {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.status)
		_, _ = w.Write(body[:len(body)/2])
		_ = http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "HTTP/1.1 %d %s\r\n", resp.status, http.StatusText(resp.status))
	_ = hdr.Write(&buf)
	buf.WriteString("\r\n")
	buf.Write(body[:len(body)/2])
	_, _ = conn.Write(buf.Bytes()) // the connection is closed next either way
}

// withFaultHeaders adds f's Headers and RetryAfter to resp, on a copy of its
// header map (handlers may share theirs).
func withFaultHeaders(resp response, f Fault) response {
	if len(f.Headers) == 0 && f.RetryAfter == "" {
		return resp
	}
	hdr := make(http.Header, len(resp.header)+len(f.Headers)+1)
	for k, v := range resp.header {
		hdr[k] = v
	}
	for k, v := range f.Headers {
		hdr[wireKey(k)] = []string{v}
	}
	if f.RetryAfter != "" {
		hdr["Retry-After"] = []string{f.RetryAfter}
	}
	if _, ok := hdr["Content-Type"]; ok {
		resp.contentType = nil
	}
	resp.header = hdr
	return resp
}

// statusFaultResponse is the response of a Status fault: f.Body, or an error
// body in the style of the endpoint (LWA's HTML error page for the pages a
// browser sees, LWA's JSON for the token endpoint, DRS's {"message":...}
// elsewhere).
func statusFaultResponse(ep int, f Fault) response {
	if f.Body != "" {
		ct := ctPlainText
		if t := strings.TrimSpace(f.Body); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
			ct = ctJSON
		}
		return response{status: f.Status, contentType: ct, body: []byte(f.Body)}
	}
	if f.Status < 400 {
		return response{status: f.Status}
	}
	switch endpointName(ep) {
	case EndpointAuthorize, EndpointConsent:
		return errorPage(f.Status, http.StatusText(f.Status))
	case EndpointToken:
		code := "invalid_request"
		switch {
		case f.Status == http.StatusServiceUnavailable:
			code = "temporarily_unavailable"
		case f.Status >= 500:
			code = "server_error"
		case f.Status == http.StatusUnauthorized:
			code = "invalid_client"
		}
		return lwaError(f.Status, code, http.StatusText(f.Status), nil)
	}
	return messageResponse(f.Status, nil, http.StatusText(f.Status))
}

var faultPage = template.Must(template.New("fault").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Status}} {{.Text}}</title></head>
<body style="font-family:Arial,sans-serif;margin:40px">
<h1>{{.Text}}</h1>
<p>We're sorry. An error occurred when we tried to process your request. Please try again later.</p>
<p><small>Error code: {{.Status}}</small></p>
</body></html>
`))

// htmlFaultResponse is the response of an HTML fault: f.Body or a generic
// error page, as a proxy or load balancer in front of Amazon would send.
func htmlFaultResponse(f Fault) response {
	if f.Body != "" {
		return htmlResponse(f.Status, nil, []byte(f.Body))
	}
	var buf bytes.Buffer
	_ = faultPage.Execute(&buf, struct {
		Status int
		Text   string
	}{f.Status, http.StatusText(f.Status)})
	return htmlResponse(f.Status, nil, buf.Bytes())
}

// jsonPadding returns n bytes of valid JSON: {"padding":"xxx..."}, or as
// much of it as fits, space-padded.
func jsonPadding(n int) []byte {
	const open, closing = `{"padding":"`, `"}`
	if n < len(open)+len(closing) {
		b := bytes.Repeat([]byte(" "), n)
		if n >= 2 {
			copy(b, "{}")
		}
		return b
	}
	b := make([]byte, n)
	copy(b, open)
	// Fill by doubling copies rather than byte by byte: a 10 MiB body built
	// one byte at a time takes long enough under the race detector to
	// trip a client's timeout before the headers are sent.
	fill := b[len(open) : n-len(closing)]
	if len(fill) > 0 {
		fill[0] = 'x'
		for i := 1; i < len(fill); i *= 2 {
			copy(fill[i:], fill[:i])
		}
	}
	copy(b[n-len(closing):], closing)
	return b
}
