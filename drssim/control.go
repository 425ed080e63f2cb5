package drssim

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxControlBody caps control-plane request bodies.
const maxControlBody = 1 << 20

// decodeControl decodes a control-plane JSON body strictly into v; the
// returned response is a 400 naming the problem.
func decodeControl(r *http.Request, v any) (response, bool) {
	err := decodeStrict(http.MaxBytesReader(nil, r.Body, maxControlBody), v)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return messageResponse(http.StatusRequestEntityTooLarge, nil, fmt.Sprintf("request body exceeds %d bytes", maxControlBody)), false
		}
		return messageResponse(http.StatusBadRequest, nil, "bad request body: "+err.Error()), false
	}
	return response{}, true
}

// ctlLinkDevice serves POST /_emulator/devices: a [LinkRequest] in, a
// [Link] out (201).
func (s *Server) ctlLinkDevice(r *http.Request) response {
	var req LinkRequest
	if resp, ok := decodeControl(r, &req); !ok {
		return resp
	}
	link, err := s.LinkDevice(req)
	if err != nil {
		return messageResponse(http.StatusBadRequest, nil, err.Error())
	}
	return jsonResponse(http.StatusCreated, nil, link)
}

// ctlDevices serves GET /_emulator/devices: every device, in link order.
func (s *Server) ctlDevices(*http.Request) response {
	return jsonResponse(http.StatusOK, nil, s.Devices())
}

// ctlOrders serves GET /_emulator/orders: the order book, oldest first.
func (s *Server) ctlOrders(*http.Request) response {
	return jsonResponse(http.StatusOK, nil, s.Orders())
}

// ctlInjectFault serves POST /_emulator/faults: a [Fault] in, the queued
// fault with its defaults out (201).
func (s *Server) ctlInjectFault(r *http.Request) response {
	var f Fault
	if resp, ok := decodeControl(r, &f); !ok {
		return resp
	}
	f, err := f.normalize()
	if err != nil {
		return messageResponse(http.StatusBadRequest, nil, "bad fault: "+err.Error())
	}
	s.faults.add(f)
	return jsonResponse(http.StatusCreated, nil, f)
}

// ctlFaults serves GET /_emulator/faults: the faults still queued.
func (s *Server) ctlFaults(*http.Request) response {
	return jsonResponse(http.StatusOK, nil, s.Faults())
}

// ctlClearFaults serves DELETE /_emulator/faults: {"cleared":n}.
func (s *Server) ctlClearFaults(*http.Request) response {
	return jsonResponse(http.StatusOK, nil, map[string]int{"cleared": s.ClearFaults()})
}

// clockBody is the control plane's clock JSON.
type clockBody struct {
	Now time.Time `json:"now"`
}

// ctlAdvanceClock serves POST /_emulator/clock {"advance":"1h"}: the clock
// moves forward and the new time is returned.
func (s *Server) ctlAdvanceClock(r *http.Request) response {
	var req struct {
		Advance string `json:"advance"`
	}
	if resp, ok := decodeControl(r, &req); !ok {
		return resp
	}
	if req.Advance == "" {
		return messageResponse(http.StatusBadRequest, nil, `bad request body: field "advance" is required, a Go duration such as "1h"`)
	}
	d, err := time.ParseDuration(req.Advance)
	if err != nil || d < 0 {
		return messageResponse(http.StatusBadRequest, nil, fmt.Sprintf(`bad request body: field "advance": %q is not a non-negative Go duration such as "1h" (at most 2562047h)`, req.Advance))
	}
	now, err := s.Advance(d)
	if err != nil {
		return messageResponse(http.StatusBadRequest, nil, `bad request body: field "advance": `+strings.TrimPrefix(err.Error(), "drssim: "))
	}
	return jsonResponse(http.StatusOK, nil, clockBody{now})
}

// ctlClock serves GET /_emulator/clock: {"now":...}.
func (s *Server) ctlClock(*http.Request) response {
	return jsonResponse(http.StatusOK, nil, clockBody{s.Now()})
}

// Request log pages: 100 records unless limit says otherwise, at most 1000.
const (
	defaultRequestPage = 100
	maxRequestPage     = 1000
)

// requestsBody is GET /_emulator/requests' answer.
type requestsBody struct {
	// Counts has every endpoint's request count, all devices, counted before
	// faults apply.
	Counts map[string]int `json:"counts"`
	// Requests is one page of the request log, oldest first.
	Requests []RequestRecord `json:"requests"`
	// Next, when set, is the after value of the next page.
	Next int64 `json:"next,omitempty"`
}

// requestsQuery is GET /_emulator/requests' query: device=MODEL/SERIAL,
// after=SEQ and limit=N, all optional.
type requestsQuery struct {
	model, serial string
	after         int64
	limit         int
}

// parseRequestsQuery reads and checks the query; the error names the
// parameter.
func parseRequestsQuery(q url.Values) (requestsQuery, error) {
	rq := requestsQuery{limit: defaultRequestPage}
	for k, v := range q {
		if len(v) != 1 {
			return rq, fmt.Errorf("query parameter %q: give it once", k)
		}
		switch k {
		case "device":
			model, serial, ok := strings.Cut(v[0], "/")
			if !ok {
				return rq, fmt.Errorf("query parameter device: %s is not MODEL/SERIAL", quoteShort(v[0]))
			}
			if err := checkDeviceID(model); err != nil {
				return rq, fmt.Errorf("query parameter device: model %w", err)
			}
			if err := checkDeviceID(serial); err != nil {
				return rq, fmt.Errorf("query parameter device: serial %w", err)
			}
			rq.model, rq.serial = model, serial
		case "after":
			n, err := strconv.ParseInt(v[0], 10, 64)
			if err != nil || n < 0 {
				return rq, fmt.Errorf("query parameter after: %s is not a non-negative integer", quoteShort(v[0]))
			}
			rq.after = n
		case "limit":
			n, err := strconv.Atoi(v[0])
			if err != nil || n < 1 || n > maxRequestPage {
				return rq, fmt.Errorf("query parameter limit: %s is not an integer from 1 to %d", quoteShort(v[0]), maxRequestPage)
			}
			rq.limit = n
		default:
			return rq, fmt.Errorf("unknown query parameter %s; use device, after and limit", quoteShort(k))
		}
	}
	return rq, nil
}

// ctlRequests serves GET /_emulator/requests: every endpoint's request
// count and one page of the request log, of one device with
// device=MODEL/SERIAL (any security profile). Pages hold limit records
// (default 100, at most 1000) with seq above after; next is the after of
// the next page.
func (s *Server) ctlRequests(r *http.Request) response {
	rq, err := parseRequestsQuery(r.URL.Query())
	if err != nil {
		return messageResponse(http.StatusBadRequest, nil, err.Error())
	}
	out := requestsBody{Counts: s.requestCounts(), Requests: []RequestRecord{}}
	s.reqs.scan(func(rec *RequestRecord) bool {
		if rec.Seq <= rq.after || rq.model != "" && (rec.DeviceModel != rq.model || rec.Serial != rq.serial) {
			return true
		}
		if len(out.Requests) == rq.limit {
			out.Next = out.Requests[len(out.Requests)-1].Seq
			return false
		}
		out.Requests = append(out.Requests, *rec)
		return true
	})
	return jsonResponse(http.StatusOK, nil, out)
}

// ctlConfig serves GET /_emulator/config: the configuration in use, client
// secrets included (they are emulator credentials).
func (s *Server) ctlConfig(*http.Request) response {
	return jsonResponse(http.StatusOK, nil, s.Config())
}

// Config returns a copy of the configuration the Server uses, defaults
// filled in.
func (s *Server) Config() Config { return s.cfg.clone() }
