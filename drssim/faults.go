package drssim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxFaultBodySize caps [Fault.BodySize].
const maxFaultBodySize = 256 << 20

// Fault makes the next Count calls of one endpoint misbehave; inject it with
// [Server.InjectFault] or POST /_emulator/faults. Faults of one endpoint
// apply in the order they were injected.
//
// What happens to a faulted call, in order: Delay passes (or the request's
// context ends); Drop "before" closes the connection without handling the
// request; HTML or Status replaces the response without running the handler
// (so nothing changes); otherwise the handler runs. Then Drop "after" closes
// the connection without a response (the handler's effects stay, for example
// the order is placed); Malformed or BodySize replace the body; Headers and
// RetryAfter are added; Truncate declares a longer Content-Length than it
// writes and closes the connection.
type Fault struct {
	// Endpoint is the endpoint name, one of [EndpointNames].
	Endpoint string `json:"endpoint"`
	// Status, when not 0, is the status of a response sent instead of
	// running the handler.
	Status int `json:"status,omitempty"`
	// Body is the body sent with Status (default: an error JSON in the
	// endpoint's style) or, with HTML, the page.
	Body string `json:"body,omitempty"`
	// Headers are added to the response (canonical keys are not required).
	Headers map[string]string `json:"headers,omitempty"`
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter string `json:"retry_after,omitempty"`
	// Delay is waited before the request is handled; in JSON a Go duration
	// string such as "2s".
	Delay time.Duration `json:"delay,omitempty"`
	// Drop is "before" or "after" to close the connection before or after
	// the handler runs, without a response.
	Drop string `json:"drop,omitempty"`
	// Malformed replaces the body with invalid JSON: {"eventInstanceId":
	Malformed bool `json:"malformed,omitempty"`
	// Truncate sends a Content-Length larger than the body written, then
	// closes the connection.
	Truncate bool `json:"truncate,omitempty"`
	// BodySize, when not 0, replaces the body with this many bytes of valid
	// JSON padding.
	BodySize int `json:"body_size,omitempty"`
	// HTML replaces the response with an HTML error page with Status
	// (default 503) and Content-Type text/html, without running the handler.
	HTML bool `json:"html,omitempty"`
	// Count is how many calls the fault applies to; 0 means 1.
	Count int `json:"count,omitempty"`
}

// faultFields is Fault without its methods, so that faultJSON can embed it.
type faultFields Fault

// faultJSON is Fault's JSON form: Fault's own fields and tags, but for
// Delay, which the shallower field here replaces with a duration string.
type faultJSON struct {
	faultFields
	Delay string `json:"delay,omitempty"`
}

// MarshalJSON encodes f with Delay as a Go duration string.
func (f Fault) MarshalJSON() ([]byte, error) {
	j := faultJSON{faultFields: faultFields(f)}
	if f.Delay != 0 {
		j.Delay = f.Delay.String()
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes f, rejecting unknown fields; delay must be a Go
// duration string such as "250ms".
func (f *Fault) UnmarshalJSON(data []byte) error {
	var j faultJSON
	if err := decodeStrict(bytes.NewReader(data), &j); err != nil {
		return err
	}
	d, err := durationField("delay", j.Delay, "2s")
	if err != nil {
		return err
	}
	*f = Fault(j.faultFields)
	f.Delay = d
	return nil
}

// normalize validates f and returns it with its defaults filled.
func (f Fault) normalize() (Fault, error) {
	if err := f.validate(); err != nil {
		return f, err
	}
	return f.withDefaults(), nil
}

// validate reports the first thing wrong with f: an unknown endpoint, a
// value out of range, a combination of effects that cannot happen together,
// a header that would break the response, or no effect at all.
func (f Fault) validate() error {
	if endpointIndex(f.Endpoint) == noEndpoint {
		return fmt.Errorf("endpoint: unknown endpoint %q; want one of %s", f.Endpoint, strings.Join(endpointNames[:], ", "))
	}
	for _, check := range []func() error{f.checkRanges, f.checkCombinations, f.checkHeaders} {
		if err := check(); err != nil {
			return err
		}
	}
	if !f.hasEffect() {
		return errors.New("fault has no effect: set status, delay, drop, malformed, truncate, body_size, html, headers or retry_after")
	}
	return nil
}

// checkRanges checks each field on its own.
func (f Fault) checkRanges() error {
	switch {
	case f.Status != 0 && (f.Status < 200 || f.Status > 599):
		return fmt.Errorf("status: %d; want an HTTP status from 200 to 599", f.Status)
	case f.Delay < 0:
		return fmt.Errorf("delay: %v is negative", f.Delay)
	case f.Drop != "" && f.Drop != "before" && f.Drop != "after":
		return fmt.Errorf("drop: %q; want \"before\" or \"after\"", f.Drop)
	case f.BodySize < 0 || f.BodySize > maxFaultBodySize:
		return fmt.Errorf("body_size: %d; want 0 to %d", f.BodySize, maxFaultBodySize)
	case f.Count < 0:
		return fmt.Errorf("count: %d is negative", f.Count)
	}
	return nil
}

// checkCombinations rejects effects that exclude each other: a dropped
// connection has no body to spoil, and a body is either malformed or padded.
func (f Fault) checkCombinations() error {
	switch {
	case f.Drop != "" && (f.Truncate || f.Malformed || f.BodySize > 0):
		return errors.New("drop: cannot be combined with truncate, malformed or body_size")
	case f.Malformed && f.BodySize > 0:
		return errors.New("malformed: cannot be combined with body_size")
	}
	return nil
}

// checkHeaders rejects header names and values that would split or break
// the response.
func (f Fault) checkHeaders() error {
	for k, v := range f.Headers {
		if k == "" || strings.ContainsAny(k, " \t\r\n:") || strings.ContainsAny(v, "\r\n") {
			return fmt.Errorf("headers: invalid header %q", k)
		}
	}
	if strings.ContainsAny(f.RetryAfter, "\r\n") {
		return errors.New("retry_after: contains a line break")
	}
	return nil
}

// hasEffect reports whether f changes anything about a call.
func (f Fault) hasEffect() bool {
	return f.Status != 0 || f.Delay != 0 || f.Drop != "" || f.Malformed || f.Truncate ||
		f.BodySize != 0 || f.HTML || len(f.Headers) != 0 || f.RetryAfter != ""
}

// withDefaults returns f with Count 1 when unset, Status 503 for an HTML
// page without one, and its own copy of Headers.
func (f Fault) withDefaults() Fault {
	if f.HTML && f.Status == 0 {
		f.Status = 503
	}
	if f.Count == 0 {
		f.Count = 1
	}
	f.Headers = cloneStrings(f.Headers)
	return f
}

func cloneStrings(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// faultBook holds the faults waiting to apply, per endpoint.
type faultBook struct {
	pending atomic.Int64 // faults queued, all endpoints: lets take skip the lock
	mu      sync.Mutex
	queues  [numEndpoints][]*Fault // Count is the number of calls left
}

// add queues a normalized fault.
func (b *faultBook) add(f Fault) {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := endpointIndex(f.Endpoint)
	b.queues[i] = append(b.queues[i], &f)
	b.pending.Add(1)
}

// take returns the fault for the next call of endpoint i, if one is due.
func (b *faultBook) take(i int) (Fault, bool) {
	if b.pending.Load() == 0 {
		return Fault{}, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queues[i]
	if len(q) == 0 {
		return Fault{}, false
	}
	f := *q[0]
	if q[0].Count--; q[0].Count == 0 {
		b.queues[i] = q[1:]
		b.pending.Add(-1)
	}
	return f, true
}

// list returns the queued faults, Count being the calls left.
func (b *faultBook) list() []Fault {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := []Fault{}
	for _, q := range b.queues {
		for _, f := range q {
			out = append(out, *f)
		}
	}
	return out
}

// clear drops every queued fault and returns how many there were.
func (b *faultBook) clear() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for i := range b.queues {
		n += len(b.queues[i])
		b.queues[i] = nil
	}
	b.pending.Store(0)
	return n
}

// InjectFault queues f for its endpoint. It fails if f names an unknown
// endpoint, has invalid values or would do nothing.
func (s *Server) InjectFault(f Fault) error {
	f, err := f.normalize()
	if err != nil {
		return fmt.Errorf("drssim: fault: %w", err)
	}
	s.faults.add(f)
	return nil
}

// Faults returns the faults still queued, Count being the calls left.
func (s *Server) Faults() []Fault { return s.faults.list() }

// ClearFaults drops every queued fault and returns how many there were.
func (s *Server) ClearFaults() int { return s.faults.clear() }
