package drssim

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"
)

// requestLogSize is how many requests the request log keeps. Older ones are
// dropped, so that a long run does not grow without bound; the per-endpoint
// counts ([Server.Requests]) keep counting.
const requestLogSize = 10000

// RequestRecord is one request to an Amazon endpoint (the control plane and
// unknown paths are not recorded), as [Server.RequestLog] and
// GET /_emulator/requests report it. It never holds query strings, bodies,
// tokens, codes or secrets.
type RequestRecord struct {
	// Seq numbers the records from 1 in the order the requests were
	// answered; GET /_emulator/requests pages on it.
	Seq int64 `json:"seq"`
	// Time is the emulator time at which the request arrived.
	Time time.Time `json:"time"`
	// Endpoint is the endpoint's name ([EndpointReplenish] and so on).
	Endpoint string `json:"endpoint"`
	// Method and Path are the request line's, without the query string.
	Method string `json:"method"`
	Path   string `json:"path"`
	// ClientID, DeviceModel and Serial name the device the request was for:
	// the device of the access token, expired or not (DRS), of the code or
	// refresh token (token endpoint), or of scope_data (authorize, consent).
	// They are empty when the request names no known device, for example
	// with an unknown token.
	ClientID    string `json:"clientId,omitempty"`
	DeviceModel string `json:"deviceModel,omitempty"`
	Serial      string `json:"serial,omitempty"`
	// Status is the HTTP status sent, 0 when no response was sent (a dropped
	// connection, a request cancelled during an injected delay).
	Status int `json:"status"`
	// Outcome says what happened: Replenish's detailCode, the OAuth error
	// code (invalid_grant, access_denied, ...), the name before ':' of the
	// x-amzn-ErrorType of a DRS error, the status text of other errors,
	// "ok" otherwise; "dropped" or "cancelled" when nothing was sent.
	Outcome string `json:"outcome"`
	// Fault describes the injected fault that applied, if any.
	Fault string `json:"fault,omitempty"`
}

// requestLog is a ring of the last requestLogSize records.
type requestLog struct {
	mu   sync.Mutex
	seq  int64
	ring []RequestRecord // oldest at head once full
	head int
}

// add appends rec, numbering it.
func (l *requestLog) add(rec RequestRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	rec.Seq = l.seq
	if len(l.ring) < requestLogSize {
		l.ring = append(l.ring, rec)
		return
	}
	l.ring[l.head] = rec
	l.head = (l.head + 1) % requestLogSize
}

// scan calls f on every record, oldest first, until f returns false.
func (l *requestLog) scan(f func(*RequestRecord) bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range l.ring {
		if !f(&l.ring[(l.head+i)%len(l.ring)]) {
			return
		}
	}
}

// RequestLog returns the recorded requests, oldest first: at most the last
// 10,000.
func (s *Server) RequestLog() []RequestRecord {
	var out []RequestRecord
	s.reqs.scan(func(r *RequestRecord) bool {
		out = append(out, *r)
		return true
	})
	return out
}

// requestNote is where handlers note the device a request is for; [adapt]
// puts it in the request's context.
type requestNote struct{ dev deviceKey }

type noteKey struct{}

// noteDevice records that r is for device k.
func noteDevice(r *http.Request, k deviceKey) {
	if n, ok := r.Context().Value(noteKey{}).(*requestNote); ok {
		n.dev = k
	}
}

// inflight is a counted request being served.
type inflight struct {
	r     *http.Request // carries the note in its context
	ep    int
	start time.Time // real clock, for the log's duration
	at    time.Time // emulator clock, for the request log
	note  *requestNote
}

// arrive prepares a counted request for serving and recording.
func (s *Server) arrive(r *http.Request, ep int, start time.Time) *inflight {
	n := &requestNote{}
	return &inflight{
		r:     r.WithContext(context.WithValue(r.Context(), noteKey{}, n)),
		ep:    ep,
		start: start,
		at:    s.clock.now(),
		note:  n,
	}
}

// done logs and records a counted request. When the handler did not run (a
// fault answered for it), a DRS request is attributed to its bearer token's
// device.
func (s *Server) done(in *inflight, status int, outcome, fault string) {
	s.logRequest(in.r, in.ep, status, in.start, fault)
	dev := in.note.dev
	if dev == (deviceKey{}) {
		dev = s.tokenDevice(in.r)
	}
	s.reqs.add(RequestRecord{
		Time: in.at, Endpoint: endpointName(in.ep), Method: in.r.Method, Path: in.r.URL.Path,
		ClientID: dev.clientID, DeviceModel: dev.model, Serial: dev.serial,
		Status: status, Outcome: outcome, Fault: fault,
	})
}

// tokenDevice returns the device of r's bearer token, expired or not, or
// the zero key.
func (s *Server) tokenDevice(r *http.Request) deviceKey {
	tok := bearerToken(r)
	if tok == "" {
		return deviceKey{}
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if g := s.st.access[tok]; g != nil {
		return g.dev.key
	}
	return deviceKey{}
}

// outcomeOf names what a response says, for the request log.
func outcomeOf(resp response) string {
	//lint:ignore SA1008 the emulator's headers are keyed as Amazon spells them (hdrErrorType)
	errType := resp.header[hdrErrorType]
	switch {
	case resp.outcome != "":
		return resp.outcome
	case len(errType) > 0:
		name, _, _ := strings.Cut(errType[0], ":")
		return name
	case resp.status >= 400:
		return http.StatusText(resp.status)
	}
	return "ok"
}
