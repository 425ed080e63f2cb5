package drssim

import (
	"errors"
	"fmt"
	"net/http"
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
		return messageResponse(http.StatusBadRequest, nil, fmt.Sprintf(`bad request body: field "advance": %q is not a non-negative Go duration such as "1h"`, req.Advance))
	}
	s.Advance(d)
	return jsonResponse(http.StatusOK, nil, clockBody{s.Now()})
}

// ctlClock serves GET /_emulator/clock: {"now":...}.
func (s *Server) ctlClock(*http.Request) response {
	return jsonResponse(http.StatusOK, nil, clockBody{s.Now()})
}

// ctlRequests serves GET /_emulator/requests: the request count of every
// endpoint.
func (s *Server) ctlRequests(*http.Request) response {
	return jsonResponse(http.StatusOK, nil, s.requestCounts())
}

// ctlConfig serves GET /_emulator/config: the configuration in use, client
// secrets included (they are emulator credentials).
func (s *Server) ctlConfig(*http.Request) response {
	return jsonResponse(http.StatusOK, nil, s.Config())
}

// Config returns a copy of the configuration the Server uses, defaults
// filled in.
func (s *Server) Config() Config { return s.cfg.clone() }
