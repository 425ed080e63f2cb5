package drssim

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// client is the client of a token request: its client_id and, if it sent
// one, its secret.
type client struct {
	id, secret string
	basic      bool // authenticated with HTTP Basic
}

// basicChallenge answers a failed HTTP Basic client authentication, as
// RFC 6749 §5.2 requires (LWA's own header is not recorded).
var basicChallenge = http.Header{
	"Cache-Control":    {"no-store"},
	"Pragma":           {"no-cache"},
	"Www-Authenticate": {`Basic realm="api.amazon.com"`},
}

// invalid is the invalid_client response for this client: 401, with a Basic
// challenge when the client used Basic.
func (c client) invalid() response {
	var h http.Header
	if c.basic {
		h = basicChallenge
	}
	return lwaError(http.StatusUnauthorized, errInvalidClient, "Client authentication failed", h)
}

// clientAuth reads the token request's client credentials: either an
// "Authorization: Basic" header with base64 of client_id:client_secret, each
// form-encoded first (RFC 6749 §2.3.1; LWA documents Basic on its
// authorization-code-grant page, docs/wire.md, "Client authentication"), or client_id and
// client_secret in the form. A form client_id beside Basic must name the
// same client; a form client_secret beside Basic is two authentication
// methods at once, which RFC 6749 §2.3 forbids (invalid_request). On failure
// it returns the error response and false.
func clientAuth(r *http.Request, form url.Values) (client, response, bool) {
	auth, ok := r.Header["Authorization"]
	if !ok {
		c := client{id: form.Get("client_id"), secret: form.Get("client_secret")}
		if c.id == "" {
			return c, lwaMissing("client_id"), false
		}
		return c, response{}, true
	}
	c := client{basic: true}
	id, secret, ok := parseBasic(auth)
	if !ok {
		return c, c.invalid(), false
	}
	c.id, c.secret = id, secret
	switch {
	case form.Has("client_secret"):
		return c, lwaError(http.StatusBadRequest, errInvalidRequest,
			"The request uses more than one client authentication method : send client_secret either in the Authorization header or in the body", nil), false
	case form.Has("client_id") && form.Get("client_id") != id:
		return c, c.invalid(), false
	case id == "":
		return c, c.invalid(), false
	}
	return c, response{}, true
}

// parseBasic decodes one "Basic <base64(id:secret)>" header value, the
// scheme name in any case. It reports false for anything else.
func parseBasic(values []string) (id, secret string, ok bool) {
	if len(values) != 1 {
		return "", "", false
	}
	scheme, cred, found := strings.Cut(strings.TrimSpace(values[0]), " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return "", "", false
	}
	rawID, rawSecret, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", false
	}
	if id, err = url.QueryUnescape(rawID); err != nil {
		return "", "", false
	}
	if secret, err = url.QueryUnescape(rawSecret); err != nil {
		return "", "", false
	}
	return id, secret, true
}
