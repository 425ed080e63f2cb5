package drssim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// scopeDRS is the one scope DRS uses.
const scopeDRS = "dash:replenish"

// OAuth 2.0 authorization error codes (RFC 6749 §4.1.2.1).
const (
	errInvalidRequest          = "invalid_request"
	errUnsupportedResponseType = "unsupported_response_type"
	errInvalidScope            = "invalid_scope"
	errAccessDenied            = "access_denied"
)

// authError is a validation failure of /ap/oa sent back by redirect.
type authError struct{ code, desc string }

func missingParam(name string) *authError {
	return &authError{errInvalidRequest, "The request is missing a required parameter : " + name}
}

// scopeData is the validated "dash:replenish" object of scope_data.
type scopeData struct {
	model   *modelInfo
	serial  string
	test    bool
	nonLive bool
}

// authorize serves GET /ap/oa, the LWA authorization request
// (docs/wire.md, "LWA: the authorize step"). Problems with client_id or
// redirect_uri get an HTML error page, as
// the redirect target cannot be trusted; other problems are redirected back
// with error, error_description and state; a good request gets the consent
// page.
func (s *Server) authorize(r *http.Request) response {
	q := r.URL.Query()
	clientID := q.Get("client_id")
	if clientID == "" {
		return errorPage(http.StatusBadRequest, "The request is missing a required parameter : client_id")
	}
	prof := s.profiles[clientID]
	if prof == nil {
		return errorPage(http.StatusBadRequest, "An unknown client_id was provided.")
	}
	redirectURI := q.Get("redirect_uri")
	if redirectURI == "" {
		return errorPage(http.StatusBadRequest, "The request is missing a required parameter : redirect_uri")
	}
	if !prof.allowsRedirect(redirectURI) {
		return errorPage(http.StatusBadRequest, "The redirect_uri is not an Allowed Return URL of this application's security profile.")
	}
	state := q["state"]
	sd, challenge, method, aerr := s.checkAuthRequest(q.Get)
	if sd.model != nil {
		noteDevice(r, deviceKey{clientID, sd.model.ID, sd.serial})
	}
	if aerr != nil {
		return redirectError(redirectURI, aerr.code, aerr.desc, state)
	}
	c := &consent{
		clientID: clientID, redirectURI: redirectURI,
		model: sd.model, serial: sd.serial, test: sd.test, nonLive: sd.nonLive,
		challenge: challenge, method: method,
		expires: s.clock.now().Add(authCodeTTL),
	}
	if len(state) > 0 {
		c.state, c.hasState = state[0], true
	}
	id := randomToken("", 24)
	s.st.mu.Lock()
	s.st.sweep(s.clock.now())
	s.st.consents[id] = c
	s.st.mu.Unlock()
	return s.consentPage(id, c)
}

// checkAuthRequest validates the parameters of /ap/oa that errors are
// redirected for: response_type, scope, scope_data and PKCE.
func (s *Server) checkAuthRequest(get func(string) string) (scopeData, string, string, *authError) {
	switch rt := get("response_type"); {
	case rt == "":
		return scopeData{}, "", "", missingParam("response_type")
	case rt != "code":
		return scopeData{}, "", "", &authError{errUnsupportedResponseType, "The authorization server does not support obtaining an authorization code using this method; response_type must be code."}
	}
	switch sc := get("scope"); {
	case sc == "":
		return scopeData{}, "", "", missingParam("scope")
	case sc != scopeDRS:
		return scopeData{}, "", "", &authError{errInvalidScope, fmt.Sprintf("An unknown scope was requested: %q; DRS devices must request %q.", sc, scopeDRS)}
	}
	raw := get("scope_data")
	if raw == "" {
		return scopeData{}, "", "", missingParam("scope_data")
	}
	sd, aerr := s.parseScopeData(raw)
	if aerr != nil {
		return scopeData{}, "", "", aerr
	}
	challenge, method, aerr := checkPKCE(get("code_challenge"), get("code_challenge_method"))
	return sd, challenge, method, aerr
}

// parseScopeData validates scope_data: {"dash:replenish":{"device_model":...,
// "serial":...,"is_test_device":...,"should_include_non_live":...}}.
func (s *Server) parseScopeData(raw string) (scopeData, *authError) {
	bad := func(format string, args ...any) (scopeData, *authError) {
		return scopeData{}, &authError{errInvalidRequest, "Invalid scope_data: " + fmt.Sprintf(format, args...)}
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &top); err != nil || top == nil {
		return bad("not a JSON object")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(top[scopeDRS], &fields); err != nil || fields == nil {
		return bad("missing the %q object", scopeDRS)
	}
	var sd scopeData
	var modelID string
	for _, f := range []struct {
		name string
		dst  *string
	}{{"device_model", &modelID}, {"serial", &sd.serial}} {
		v, ok := fields[f.name]
		if !ok || string(v) == "null" {
			return bad("missing %s", f.name)
		}
		if err := json.Unmarshal(v, f.dst); err != nil {
			return bad("%s must be a string", f.name)
		}
		if err := checkDeviceID(*f.dst); err != nil {
			return bad("%s %v", f.name, err)
		}
	}
	var ok bool
	if sd.test, ok = flexBool(fields["is_test_device"]); !ok {
		return bad("is_test_device must be true or false")
	}
	if sd.nonLive, ok = flexBool(fields["should_include_non_live"]); !ok {
		return bad("should_include_non_live must be true or false")
	}
	if sd.model = s.models[modelID]; sd.model == nil {
		return scopeData{}, &authError{errInvalidScope, fmt.Sprintf("Unknown device_model %q.", modelID)}
	}
	if !sd.model.Live && !sd.nonLive {
		return scopeData{}, &authError{errInvalidScope, fmt.Sprintf("Device model %q is not live; set should_include_non_live to true to register it before certification.", modelID)}
	}
	return sd, nil
}

// flexBool decodes an optional boolean sent as true/false or "true"/"false"
// (docs/wire.md, "LWA: the authorize step"); absent or null means false.
func flexBool(v json.RawMessage) (bool, bool) {
	switch string(bytes.TrimSpace(v)) {
	case "", "null", "false", `"false"`:
		return false, true
	case "true", `"true"`:
		return true, true
	}
	return false, false
}

// checkPKCE validates the optional PKCE parameters (RFC 7636 §4.3): method
// S256 or plain (the default), challenge 43 to 128 characters of
// [A-Za-z0-9-._~].
func checkPKCE(challenge, method string) (string, string, *authError) {
	if challenge == "" {
		if method != "" {
			return "", "", missingParam("code_challenge")
		}
		return "", "", nil
	}
	if method == "" {
		method = "plain"
	}
	if method != "S256" && method != "plain" {
		return "", "", &authError{errInvalidRequest, "code_challenge_method must be S256 or plain."}
	}
	if len(challenge) < 43 || len(challenge) > 128 || strings.ContainsFunc(challenge, notPKCEChar) {
		return "", "", &authError{errInvalidRequest, "code_challenge must be 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_' and '~'."}
	}
	return challenge, method, nil
}

func notPKCEChar(r rune) bool {
	return !isAlnum(r) && r != '-' && r != '.' && r != '_' && r != '~'
}
