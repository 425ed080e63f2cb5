package drssim

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"
)

// LWA token error codes (RFC 6749 §5.2, docs/wire.md, "Errors").
const (
	errInvalidGrant         = "invalid_grant"
	errInvalidClient        = "invalid_client"
	errUnsupportedGrantType = "unsupported_grant_type"
)

var (
	// lwaHeaders go on every token endpoint response (docs/wire.md, "The answer").
	lwaHeaders = http.Header{"Cache-Control": {"no-store"}, "Pragma": {"no-cache"}}
	// lwaInvalidHeaders add LWA's error type to invalid_grant and
	// invalid_request responses.
	lwaInvalidHeaders = http.Header{
		"Cache-Control": {"no-store"},
		"Pragma":        {"no-cache"},
		hdrErrorType:    {"OA2InvalidRequestException:http://internal.amazon.com/coral/com.amazon.panda/"},
	}
)

// tokenResponse is the token endpoint's success body.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
}

// lwaErrorBody is the token endpoint's error body, fields in LWA's order.
type lwaErrorBody struct {
	Description string `json:"error_description"`
	Error       string `json:"error"`
}

// lwaError returns an LWA token error. header nil means the headers that go
// with code.
func lwaError(status int, code, desc string, header http.Header) response {
	if header == nil {
		header = lwaHeaders
		if code == errInvalidGrant || code == errInvalidRequest {
			header = lwaInvalidHeaders
		}
	}
	body, _ := json.Marshal(lwaErrorBody{desc, code}) // two strings always marshal
	return response{status: status, contentType: ctJSONUTF8, header: header, body: body, outcome: code}
}

func lwaMissing(name string) response {
	return lwaError(http.StatusBadRequest, errInvalidRequest, "The request is missing a required parameter : "+name, nil)
}

func lwaInvalidGrant(name string) response {
	return lwaError(http.StatusBadRequest, errInvalidGrant, "The request has an invalid grant parameter : "+name, nil)
}

// token serves POST /auth/o2/token with a form body: the authorization_code
// and refresh_token grants (docs/wire.md, "LWA: the token endpoint").
// Parameters are read from the
// body only, never from the query string; the client may authenticate with
// HTTP Basic instead of client_id and client_secret in the body.
func (s *Server) token(r *http.Request) response {
	r.Body = http.MaxBytesReader(nil, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return lwaError(http.StatusRequestEntityTooLarge, errInvalidRequest, "The request body is too large", nil)
		}
		return lwaError(http.StatusBadRequest, errInvalidRequest, "The request body could not be parsed", nil)
	}
	form := r.PostForm
	gt := form.Get("grant_type")
	if gt == "" {
		return lwaMissing("grant_type")
	}
	if gt != "authorization_code" && gt != "refresh_token" {
		return lwaError(http.StatusBadRequest, errUnsupportedGrantType, "The authorization grant type is not supported by the authorization server", nil)
	}
	cl, fail, ok := clientAuth(r, form)
	if !ok {
		return fail
	}
	if gt == "authorization_code" {
		return s.exchangeCode(r, form, cl)
	}
	return s.refreshGrant(r, form, cl)
}

// exchangeCode redeems an authorization code for a refresh and an access
// token. The code must be unexpired and unused, issued to the client for the
// same redirect_uri; with PKCE, code_verifier must match and the client
// secret may be left out.
func (s *Server) exchangeCode(r *http.Request, form url.Values, cl client) response {
	for _, p := range []string{"code", "redirect_uri"} {
		if form.Get(p) == "" {
			return lwaMissing(p)
		}
	}
	code := form.Get("code")
	prof := s.profiles[cl.id]
	if prof == nil || (cl.secret != "" && !prof.secretOK(cl.secret)) {
		return cl.invalid()
	}
	now := s.clock.now()
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	c := s.st.codes[code]
	if c != nil && !now.Before(c.expires) {
		delete(s.st.codes, code)
		c = nil
	}
	if c != nil && c.clientID == cl.id {
		noteDevice(r, c.dev.key)
	}
	switch {
	case c == nil || c.clientID != cl.id || !c.dev.registered:
		return lwaInvalidGrant("code")
	case c.redirectURI != form.Get("redirect_uri"):
		return lwaInvalidGrant("redirect_uri")
	case cl.secret == "" && c.challenge == "":
		return lwaMissing("client_secret")
	case c.challenge != "" && form.Get("code_verifier") == "":
		return lwaMissing("code_verifier")
	case c.challenge != "" && !pkceOK(c.challenge, c.method, form.Get("code_verifier")):
		return lwaInvalidGrant("code_verifier")
	}
	delete(s.st.codes, code)
	return tokenOK(tokenResponse{
		RefreshToken: s.st.issueRefresh(c.dev, cl.id),
		AccessToken:  s.st.issueAccess(c.dev, now),
	})
}

// refreshGrant issues a new access token for a refresh token. With the
// client secret it returns the same refresh token too (docs/wire.md, "The answer");
// without it, which LWA allows, the answer carries no refresh token
// (docs/wire.md, "Client authentication").
func (s *Server) refreshGrant(r *http.Request, form url.Values, cl client) response {
	rt := form.Get("refresh_token")
	if rt == "" {
		return lwaMissing("refresh_token")
	}
	prof := s.profiles[cl.id]
	if prof == nil || (cl.secret != "" && !prof.secretOK(cl.secret)) {
		return cl.invalid()
	}
	now := s.clock.now()
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	g := s.st.refresh[rt]
	if g != nil && g.clientID == cl.id {
		noteDevice(r, g.dev.key)
	}
	if g == nil || g.clientID != cl.id || !g.dev.registered {
		return lwaInvalidGrant("refresh_token")
	}
	out := tokenResponse{AccessToken: s.st.issueAccess(g.dev, now)}
	if cl.secret != "" {
		out.RefreshToken = rt
	}
	return tokenOK(out)
}

// tokenOK returns the token endpoint's success response.
func tokenOK(t tokenResponse) response {
	t.TokenType, t.ExpiresIn = "bearer", int(accessTokenTTL/time.Second)
	body, _ := json.Marshal(t) // strings and an int always marshal
	return response{status: http.StatusOK, contentType: ctJSONUTF8, header: lwaHeaders, body: body}
}

// pkceOK checks a PKCE code_verifier against the code_challenge (RFC 7636
// §4.6).
func pkceOK(challenge, method, verifier string) bool {
	want := verifier
	if method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		want = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}
