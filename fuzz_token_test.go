package drs_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/amazondrs/drs"
)

// FuzzTokenResponse answers LWA token requests with any status, content type
// and body, for a refresh (behind a DRS call) and for a code exchange. A
// failed refresh or exchange must leave the stored tokens as they were and
// call no token-change hook; a successful one must leave tokens that can be
// sent. No token response body is ever kept in an error.
func FuzzTokenResponse(f *testing.F) {
	type seed struct {
		status int
		ct     string
		body   string
	}
	for _, s := range []seed{
		{200, "application/json;charset=UTF-8", `{"access_token":"Atza|new","refresh_token":"Atzr|new","token_type":"bearer","expires_in":3600}`},
		{200, "application/json", `{"access_token":"Atza|new","token_type":"bearer","expires_in":3600}`},
		{200, "text/plain", `access_token=Atza%7Cform&refresh_token=Atzr%7Cform&expires_in=3600`},
		{200, "", `access_token=Atza%7Csniffed&expires_in=10`},
		{200, "application/json", `{"access_token":"Atza|a\nb","refresh_token":"Atzr|new","expires_in":3600}`},
		{200, "application/json", `{"access_token":"Atza|ok","refresh_token":"Atzr|a\u0000b","expires_in":3600}`},
		{200, "application/json", `{"access_token":"Atza|ok","refresh_token":" Atzr|padded ","expires_in":3600}`},
		{200, "application/json", `{"access_token":"Atza|ok","expires_in":"3600"}`},
		{200, "application/json", `{"access_token":"Atza|ok","expires_in":99999999999999999}`},
		{200, "application/json", `{"access_token":"Atza|ok","expires_in":-5}`},
		{200, "application/json", `{"access_token":"","refresh_token":"Atzr|x"}`},
		{200, "application/json", `{"error":"invalid_grant","error_description":"nope"}`},
		{400, "application/json", `{"error":"invalid_grant","error_description":"The request has an invalid grant parameter : refresh_token"}`},
		{400, "application/json", `{"error":"invalid_request","error_description":"line\nbreak \xff"}`},
		{401, "application/json", `{"error":"invalid_client","error_description":"Client authentication failed"}`},
		{500, "text/html", `<html><body>Internal error</body></html>`},
		{503, "application/json", `{"access_token":"Atza|in-an-error"}`},
		{200, "application/json", `{"access_token":"Atza|new"`},
	} {
		f.Add(s.status, s.ct, []byte(s.body))
	}
	a := newFzAmazon(f)
	subscribed := fzReply(200, nil, []byte(`{"slotsSubscriptionStatus":{"coffee":true}}`))
	f.Fuzz(func(t *testing.T, status int, ct string, body []byte) {
		status = fzStatus(status)
		h := http.Header{}
		if ct = fzHeaderValue(ct); ct != "" {
			h.Set("Content-Type", ct)
		}
		tokenReply := fzReply(status, h, body)

		// A refresh, behind an idempotent DRS call.
		a.reset(subscribed, tokenReply)
		var changes []drs.Token
		c, logs := a.client(t, drs.WithTokenChange(func(tk drs.Token) { changes = append(changes, tk) }))
		c.SetRefreshToken(fzRefresh)
		start := time.Now()
		_, err := c.SubscriptionInfo(t.Context())
		drsN, tokenN := a.counts()
		tok := c.Token()
		if tokenN < 1 || tokenN > 3 {
			t.Fatalf("refresh sent %d token requests, want 1-3", tokenN)
		}
		if err == nil {
			if drsN != 1 || !fzSendable(tok) {
				t.Fatalf("refresh succeeded with %d DRS requests and token %v", drsN, tok)
			}
			if !tok.Expiry.IsZero() && !tok.Expiry.After(start) {
				t.Fatalf("fresh token expires at %v, before the call started (%v)", tok.Expiry, start)
			}
			if tok.RefreshToken != fzRefresh && (len(changes) != 1 || changes[0] != tok) {
				t.Fatalf("refresh token replaced; hook calls %v", changes)
			}
		} else {
			e := fzCheckError(t, err, body)
			if e.Body != nil {
				t.Fatalf("refresh error keeps a body: %q", e.Body)
			}
			if drsN != 0 || tok.RefreshToken != fzRefresh || len(changes) != 0 {
				t.Fatalf("failed refresh (%v): %d DRS requests, refresh token %q, hook calls %d; want 0, unchanged, 0", err, drsN, tok.RefreshToken, len(changes))
			}
		}
		fzCheckLogs(t, logs, body)

		// A code exchange: sent exactly once, all or nothing.
		a.reset(subscribed, tokenReply)
		changes = nil
		c, logs = a.client(t, drs.WithTokenChange(func(tk drs.Token) { changes = append(changes, tk) }))
		c.SetToken(drs.Token{})
		got, err := c.Exchange(t.Context(), "code-1", "https://agent.example/callback")
		if _, tokenN := a.counts(); tokenN != 1 {
			t.Fatalf("Exchange sent %d token requests, want 1", tokenN)
		}
		if err == nil {
			if !fzSendable(got) || c.Token() != got || len(changes) != 1 || changes[0] != got {
				t.Fatalf("Exchange returned %v, Client holds %v, hook calls %v", got, c.Token(), changes)
			}
		} else {
			e := fzCheckError(t, err, body)
			if e.Body != nil {
				t.Fatalf("exchange error keeps a body: %q", e.Body)
			}
			if c.Token() != (drs.Token{}) || len(changes) != 0 {
				t.Fatalf("failed exchange (%v) left token %v and %d hook calls", err, c.Token(), len(changes))
			}
		}
		fzCheckLogs(t, logs, body)
	})
}

// fzSendable reports whether both tokens are set and can travel in a header
// and a form: printable ASCII without spaces.
func fzSendable(t drs.Token) bool {
	for _, v := range []string{t.AccessToken, t.RefreshToken} {
		if v == "" {
			return false
		}
		for i := 0; i < len(v); i++ {
			if v[i] <= ' ' || v[i] >= 0x7f {
				return false
			}
		}
	}
	return true
}
