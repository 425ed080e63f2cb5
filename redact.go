package drs

import (
	"bytes"
	"strings"
)

// redacted replaces a secret in every error field and log line.
const redacted = "[redacted]"

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
// was sent. It returns e.
func (c *Client) scrub(e *Error, extra ...string) *Error {
	if e == nil {
		return nil
	}
	secrets := c.secrets(extra...)
	if len(secrets) == 0 {
		return e
	}
	for _, f := range []*string{&e.Message, &e.ErrorType, &e.RequestID, &e.OAuthError, &e.OAuthErrorDescription} {
		*f = redactString(*f, secrets)
	}
	for _, s := range secrets {
		if bytes.Contains(e.Body, []byte(s)) {
			e.Body = bytes.ReplaceAll(e.Body, []byte(s), []byte(redacted))
		}
	}
	if e.Err != nil {
		if msg := e.Err.Error(); redactString(msg, secrets) != msg {
			e.Err = &redactedError{msg: redactString(msg, secrets), err: e.Err}
		}
	}
	return e
}

func redactString(s string, secrets []string) string {
	for _, sec := range secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	return s
}

// redactedError is a cause whose text held a secret: it prints the scrubbed
// text and still unwraps to the original, so errors.Is and errors.As work.
type redactedError struct {
	msg string
	err error
}

func (r *redactedError) Error() string { return r.msg }
func (r *redactedError) Unwrap() error { return r.err }
