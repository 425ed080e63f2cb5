package drssim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"
)

// maxDRSBody caps the JSON bodies of SlotStatus and DeviceStatus.
const maxDRSBody = 64 << 10

// readBody reads a capped JSON body and decodes it into a field map. It
// returns a non-nil error response on failure.
func readBody(r *http.Request) (map[string]json.RawMessage, *response) {
	data, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxDRSBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			resp := messageResponse(http.StatusRequestEntityTooLarge, validationType, "Request body exceeds "+strconv.Itoa(maxDRSBody)+" bytes")
			return nil, &resp
		}
		resp := validationError("Could not read the request body")
		return nil, &resp
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil || fields == nil {
		resp := validationError("Request body must be a JSON object (Content-Type: application/json)")
		return nil, &resp
	}
	return fields, nil
}

// dateHint is the end of every message about a date the status endpoints
// refuse.
const dateHint = " must be an ISO 8601 date (2017-04-01) or date-time with an offset (2015-12-28T10:00:00Z, 2015-12-28T10:00:00.250+0100)"

// fieldDate decodes a required ISO 8601 date string ([parseISODate]).
func fieldDate(fields map[string]json.RawMessage, name string) (time.Time, string) {
	raw, ok := fields[name]
	if !ok || string(raw) == "null" {
		return time.Time{}, "Missing required field " + name
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return time.Time{}, "Field " + name + dateHint + " in a JSON string"
	}
	t, ok := parseISODate(s)
	if !ok {
		return time.Time{}, "Field " + name + dateHint + ", got " + quoteShort(s)
	}
	return t, ""
}

// fieldNumber decodes a required non-negative JSON number; integer demands
// a whole number without fraction or exponent.
func fieldNumber(fields map[string]json.RawMessage, name string, integer bool) (float64, int64, string) {
	raw, ok := fields[name]
	if !ok || string(raw) == "null" {
		return 0, 0, "Missing required field " + name
	}
	if integer {
		n, err := strconv.ParseInt(string(raw), 10, 64)
		switch {
		case err != nil:
			return 0, 0, "Field " + name + " must be an integer"
		case n < 0:
			return 0, 0, "Field " + name + " must not be negative"
		}
		return float64(n), n, ""
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	switch {
	case err != nil || len(raw) == 0 || raw[0] == '"':
		return 0, 0, "Field " + name + " must be a number"
	case f < 0:
		return 0, 0, "Field " + name + " must not be negative"
	}
	return f, 0, ""
}

// parseSlotStatus validates a SlotStatus body (docs/wire.md, "SlotStatus"); all five
// fields are required. It returns the report or an error message.
func parseSlotStatus(fields map[string]json.RawMessage) (SlotStatus, string) {
	var st SlotStatus
	var msg string
	if st.ExpectedReplenishmentDate, msg = fieldDate(fields, "expectedReplenishmentDate"); msg != "" {
		return st, msg
	}
	if st.RemainingQuantityInUnit, _, msg = fieldNumber(fields, "remainingQuantityInUnit", false); msg != "" {
		return st, msg
	}
	if _, st.OriginalQuantityInUnit, msg = fieldNumber(fields, "originalQuantityInUnit", true); msg != "" {
		return st, msg
	}
	if _, st.TotalQuantityOnHand, msg = fieldNumber(fields, "totalQuantityOnHand", true); msg != "" {
		return st, msg
	}
	st.LastUseDate, msg = fieldDate(fields, "lastUseDate")
	return st, msg
}

// slotStatus serves POST /slotStatus/{slotId}: it validates and stores the
// report; 200 without a body. The token is checked before the body.
func (s *Server) slotStatus(r *http.Request) response {
	slotID := r.PathValue("slotId")
	fields, bodyErr := readBody(r)
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	call, fail, ok := s.begin(r, vSlotStatus)
	if !ok {
		return fail
	}
	if call.dev.model.slot(slotID) == nil {
		return unknownSlot(slotID)
	}
	if bodyErr != nil {
		return *bodyErr
	}
	st, msg := parseSlotStatus(fields)
	if msg != "" {
		return validationError(msg)
	}
	st.Reported = call.now
	call.dev.slotStatus[slotID] = st
	return success(vSlotStatus, call, nil)
}

// deviceStatus serves POST /deviceStatus: {"mostRecentlyActiveDate":...}
// is validated and stored; 200 without a body.
func (s *Server) deviceStatus(r *http.Request) response {
	fields, bodyErr := readBody(r)
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	call, fail, ok := s.begin(r, vDeviceStatus)
	if !ok {
		return fail
	}
	if bodyErr != nil {
		return *bodyErr
	}
	t, msg := fieldDate(fields, "mostRecentlyActiveDate")
	if msg != "" {
		return validationError(msg)
	}
	call.dev.devStatus = &DeviceStatus{MostRecentlyActiveDate: t, Reported: call.now}
	return success(vDeviceStatus, call, nil)
}

// productInfo is one entry of SubscriptionInfo 2.0's productInfoList.
type productInfo struct {
	ASIN     string `json:"asin"`
	Quantity int    `json:"quantity"`
	Unit     string `json:"unit"`
}

type slotSubscription struct {
	ProductInfoList []productInfo `json:"productInfoList"`
	Subscribed      bool          `json:"subscribed"`
}

// subscriptionInfo serves GET /subscriptionInfo: result 1.0 maps each slot
// to whether it is subscribed, result 2.0 adds the chosen product.
func (s *Server) subscriptionInfo(r *http.Request) response {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	call, fail, ok := s.begin(r, vSubscription)
	if !ok {
		return fail
	}
	var result any
	if call.accept == 0 {
		m := map[string]bool{}
		for _, sl := range call.dev.model.Slots {
			_, m[sl.ID] = call.dev.subs[sl.ID]
		}
		result = map[string]any{"slotsSubscriptionStatus": m}
	} else {
		m := map[string]slotSubscription{}
		for _, sl := range call.dev.model.Slots {
			sub := slotSubscription{ProductInfoList: []productInfo{}}
			if p, ok := call.dev.subs[sl.ID]; ok {
				sub = slotSubscription{[]productInfo{{p.ASIN, p.Quantity, p.Unit}}, true}
			}
			m[sl.ID] = sub
		}
		result = map[string]any{"slotsSubscriptionStatus": m}
	}
	resp := jsonResponse(http.StatusOK, nil, result)
	resp.header = vSubscription.echo[call.accept]
	return resp
}

// deregisterV2 serves DELETE /registration: it deregisters the token's
// device, revoking every token and code of it.
func (s *Server) deregisterV2(r *http.Request) response {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	call, fail, ok := s.begin(r, vDeregisterV2)
	if !ok {
		return fail
	}
	s.st.revoke(call.dev)
	s.notifyDeregistered(call.dev, call.now)
	return success(vDeregisterV2, call, nil)
}

// deregisterV1 serves DELETE /deviceModels/{model}/devices/{serial}/registration;
// the path must name the token's device.
func (s *Server) deregisterV1(r *http.Request) response {
	model, serial := r.PathValue("model"), r.PathValue("serial")
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	call, fail, ok := s.begin(r, vDeregisterV1)
	if !ok {
		return fail
	}
	if model != call.dev.key.model || serial != call.dev.key.serial {
		return validationError("Device " + model + "/" + serial + " does not match the device of the access token")
	}
	s.st.revoke(call.dev)
	s.notifyDeregistered(call.dev, call.now)
	return success(vDeregisterV1, call, nil)
}
