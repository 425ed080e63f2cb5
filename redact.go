package drs

import (
	"github.com/amazondrs/drs/internal/redact"
	"github.com/amazondrs/drs/internal/transport"
)

// minSecretLen is the shortest value treated as a secret when scrubbing
// errors. LWA's client secrets and tokens are far longer; replacing every
// occurrence of a one- or two-letter test secret would only garble the text.
const minSecretLen = 8

// secrets returns the values no error or log line may hold: the client
// secret, the Client's current tokens and extra (the access token a request
// carried, the refresh token or authorization code a token request sent).
func (c *Client) secrets(extra ...string) []string {
	c.mu.Lock()
	tok := c.tok
	c.mu.Unlock()
	out := make([]string, 0, 3+len(extra))
	for _, s := range append([]string{c.oauth.ClientSecret, tok.AccessToken, tok.RefreshToken}, extra...) {
		if len(s) >= minSecretLen {
			out = append(out, s)
		}
	}
	return out
}

// scrub removes the Client's secrets (and extra) from every field of e that
// came from the network or from a callee, so that neither e.Error() nor a
// log line built from e can reveal them, even when a server echoes what it
// was sent, percent-encoded or JSON-escaped. It returns e.
func (c *Client) scrub(e *Error, extra ...string) *Error {
	if e == nil {
		return nil
	}
	r := redact.New(c.secrets(extra...))
	if r == nil {
		return e
	}
	for _, f := range []*string{&e.Message, &e.ErrorType, &e.RequestID, &e.OAuthError, &e.OAuthErrorDescription, &e.Location} {
		*f = r.Redact(*f)
	}
	if body := r.Redact(string(e.Body)); body != string(e.Body) {
		e.Body = []byte(body)
	}
	if e.Err != nil && r.HoldsSecret(e.Err) {
		e.Err = transport.Scrub(e.Err, r.Redact(e.Err.Error()))
	}
	return e
}
