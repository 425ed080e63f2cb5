package drssim

import (
	"net/http"
	"strings"
	"time"
)

// typePrefix begins every DRS type name in x-amzn-* headers.
const typePrefix = "com.amazon.dash.replenishment."

// X-Amzn-Errortype values of DRS errors. Only InvalidTokenException is
// confirmed (docs/wire.md, "Status codes and error bodies"); the others
// are the emulator's choice.
var (
	invalidTokenType = http.Header{hdrErrorType: {"InvalidTokenException:http://internal.amazon.com/coral/com.amazon.parkeraccioservice/"}}
	validationType   = http.Header{hdrErrorType: {"ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/"}}
	notFoundType     = http.Header{hdrErrorType: {"ResourceNotFoundException:http://internal.amazon.com/coral/com.amazon.parkeraccioservice/"}}
)

// errInvalidTokenResp is the response to a missing, unknown, expired or
// revoked access token, built once.
var errInvalidTokenResp = messageResponse(http.StatusBadRequest, invalidTokenType, "Invalid token")

// apiVersions describes one DRS operation's version headers.
type apiVersions struct {
	input   string        // required x-amzn-type-version
	accepts []string      // accepted x-amzn-accept-type values
	echo    []http.Header // success headers per accepted type: x-amzn-type-version echoes it
}

func newAPIVersions(input string, results ...string) *apiVersions {
	v := &apiVersions{input: typePrefix + input}
	for _, r := range results {
		v.accepts = append(v.accepts, typePrefix+r)
		v.echo = append(v.echo, http.Header{hdrTypeVersion: {typePrefix + r}})
	}
	return v
}

// The DRS operations' versions (docs/wire.md, "Summary of the calls").
var (
	vReplenish    = newAPIVersions("DrsReplenishInput@1.0", "DrsReplenishResult@1.0")
	vSlotStatus   = newAPIVersions("DrsSlotStatusInput@1.0", "DrsSlotStatusResult@1.0")
	vDeviceStatus = newAPIVersions("DrsDeviceStatusInput@1.0", "DrsDeviceStatusResult@1.0")
	vSubscription = newAPIVersions("DrsSubscriptionInfoInput@1.0", "DrsSubscriptionInfoResult@1.0", "DrsSubscriptionInfoResult@2.0")
	vDeregisterV1 = newAPIVersions("DrsDeregisterInput@1.0", "DrsDeregisterResult@1.0")
	vDeregisterV2 = newAPIVersions("DrsDeregisterInput@2.0", "DrsDeregisterResult@1.0")
	vCancel       = newAPIVersions("DrsCancelTestOrdersInput@1.0", "DrsCancelTestOrdersResult@1.0")
	vOrderInfo    = newAPIVersions("DrsOrderInfoInput@1.0", "DrsOrderInfoResult@1.0")
)

// drsCall is an authenticated DRS request whose headers passed the checks.
type drsCall struct {
	dev    *device
	now    time.Time
	accept int // index into apiVersions.accepts
}

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header, or "".
func bearerToken(r *http.Request) string {
	v := r.Header["Authorization"]
	if len(v) == 0 || len(v[0]) < 7 || !strings.EqualFold(v[0][:7], "Bearer ") {
		return ""
	}
	return strings.TrimSpace(v[0][7:])
}

// begin authenticates a DRS request and checks its version headers, in that
// order. The caller must hold s.st.mu. On failure it returns the error
// response and false.
func (s *Server) begin(r *http.Request, v *apiVersions) (drsCall, response, bool) {
	call := drsCall{now: s.clock.now()}
	tok := bearerToken(r)
	if tok == "" {
		return call, errInvalidTokenResp, false
	}
	if call.dev = s.st.deviceForAccess(tok, call.now); call.dev == nil {
		return call, errInvalidTokenResp, false
	}
	noteDevice(r, call.dev.key)
	tv := firstHeader(r, "X-Amzn-Type-Version")
	switch {
	case tv == "":
		return call, validationError("Missing required header x-amzn-type-version; expected " + v.input), false
	case tv != v.input:
		return call, validationError("Unsupported x-amzn-type-version " + tv + "; expected " + v.input), false
	}
	at := firstHeader(r, "X-Amzn-Accept-Type")
	if at == "" {
		return call, validationError("Missing required header x-amzn-accept-type; expected " + strings.Join(v.accepts, " or ")), false
	}
	for i, a := range v.accepts {
		if at == a {
			call.accept = i
			return call, response{}, true
		}
	}
	return call, validationError("Unsupported x-amzn-accept-type " + at + "; expected " + strings.Join(v.accepts, " or ")), false
}

// firstHeader returns the first value of the canonical header key, trimmed.
func firstHeader(r *http.Request, key string) string {
	if v := r.Header[key]; len(v) > 0 {
		return strings.TrimSpace(v[0])
	}
	return ""
}

// validationError is a 400 for a malformed request.
func validationError(msg string) response {
	return messageResponse(http.StatusBadRequest, validationType, msg)
}

// success returns a 200 with the echoed result type and body (nil for none).
func success(v *apiVersions, call drsCall, body []byte) response {
	resp := response{status: http.StatusOK, header: v.echo[call.accept], body: body}
	if body != nil {
		resp.contentType = ctJSON
	}
	return resp
}

// unknownSlot is the 400 for an unknown slot on endpoints other than
// Replenish (which answers 404).
func unknownSlot(slotID string) response {
	return validationError("Unknown slot " + slotID + " for this device model")
}
