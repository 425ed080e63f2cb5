package drssim

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// response is what a handler returns; [Server.adapt] writes it. Header maps
// and value slices in a response may be shared between requests and must not
// be modified.
type response struct {
	status      int
	contentType []string    // Content-Type value, nil for none
	header      http.Header // extra headers, keys as [wireKey] spells them
	body        []byte
	outcome     string // for the request log; see [outcomeOf]
}

// handlerFunc handles one request and returns the response to write.
type handlerFunc func(r *http.Request) response

// Precomputed header values.
var (
	ctJSON      = []string{"application/json"}
	ctJSONUTF8  = []string{"application/json;charset=UTF-8"}
	ctHTML      = []string{"text/html; charset=utf-8"}
	ctPlainText = []string{"text/plain; charset=utf-8"}
)

// adapt turns a handler into an http.Handler: it counts the request, applies
// an injected fault if one is due, logs and records the request, and writes
// the response with the headers every emulator response carries. Logging
// comes before writing so that a client that has its response finds the
// request logged.
func (s *Server) adapt(ep int, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if ep == noEndpoint {
			resp := h(r)
			s.logRequest(r, ep, resp.status, start, "")
			s.write(w, resp)
			return
		}
		s.counts[ep].Add(1)
		in := s.arrive(r, ep, start)
		if f, ok := s.faults.take(ep); ok {
			s.serveFault(w, in, h, f)
			return
		}
		resp := h(in.r)
		s.done(in, resp.status, outcomeOf(resp), "")
		s.write(w, resp)
	})
}

// Amazon's spellings of its own headers on the wire (docs/wire.md, "Response headers";
// x-amzn-RequestId and x-amzn-type-version in real answers recorded in
// Alpha-Amol/OmegaJar's ESP8266 log, x-amzn-ErrorType in the same era's
// clients). Go's http.Header.Set would send X-Amzn-Requestid and so on, so
// the emulator assigns these keys directly; Go clients still find them with
// Header.Get, which canonicalises the keys it reads.
const (
	hdrRequestID   = "x-amzn-RequestId"
	hdrTypeVersion = "x-amzn-type-version"
	hdrErrorType   = "x-amzn-ErrorType"
)

// wireKey returns the key under which the emulator sends header k: Amazon's
// spelling for its own headers, else the canonical form.
func wireKey(k string) string {
	switch k = http.CanonicalHeaderKey(k); k {
	case "X-Amzn-Requestid":
		return hdrRequestID
	case "X-Amzn-Type-Version":
		return hdrTypeVersion
	case "X-Amzn-Errortype":
		return hdrErrorType
	}
	return k
}

// stamp adds the headers Amazon sends on every response: a request ID and
// the date (emulator clock). [Server.ServeHTTP] calls it before routing, so
// that the router's own answers have them too.
func (s *Server) stamp(h http.Header) {
	h[hdrRequestID] = []string{newRequestID()}
	s.date(h)
}

// date sets X-Amz-Date to the emulator's current time: a response written
// after a delay or a clock change is dated when it is sent.
func (s *Server) date(h http.Header) {
	h["X-Amz-Date"] = s.clock.dateHeader(s.clock.now())
}

// write sends resp on w, whose header already carries the request ID.
func (s *Server) write(w http.ResponseWriter, resp response) {
	h := w.Header()
	s.date(h)
	for k, v := range resp.header {
		h[k] = v
	}
	if resp.contentType != nil {
		h["Content-Type"] = resp.contentType
	}
	h["Content-Length"] = []string{strconv.Itoa(len(resp.body))}
	w.WriteHeader(resp.status)
	if len(resp.body) > 0 {
		_, _ = w.Write(resp.body) // the client may be gone; nothing to do
	}
}

// logRequest logs one request at Info. It never logs query strings, bodies
// or headers, so tokens, codes and secrets stay out of logs.
func (s *Server) logRequest(r *http.Request, ep, status int, start time.Time, fault string) {
	ctx := r.Context()
	if !s.logger.Enabled(ctx, slog.LevelInfo) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.String("endpoint", endpointName(ep)),
		slog.Duration("duration", time.Since(start)),
	}
	if fault != "" {
		attrs = append(attrs, slog.String("fault", fault))
	}
	s.logger.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
}

// jsonResponse marshals v as the body of a JSON response. Like Amazon's
// services it does not escape <, > and & as \u003c and so on.
func jsonResponse(status int, header http.Header, v any) response {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // only for programming errors: every v is a plain struct or map
		return response{status: http.StatusInternalServerError, contentType: ctPlainText, body: []byte("encode response: " + err.Error())}
	}
	return response{status: status, contentType: ctJSON, header: header, body: bytes.TrimSuffix(buf.Bytes(), []byte("\n"))}
}

// messageBody is the DRS error body, {"message":"..."} (docs/wire.md,
// "Status codes and error bodies").
type messageBody struct {
	Message string `json:"message"`
}

// messageResponse returns a DRS-style error: {"message":msg} with the given
// extra headers (usually X-Amzn-Errortype).
func messageResponse(status int, header http.Header, msg string) response {
	return jsonResponse(status, header, messageBody{msg})
}

// htmlResponse returns an HTML page.
func htmlResponse(status int, header http.Header, page []byte) response {
	return response{status: status, contentType: ctHTML, header: header, body: page}
}
