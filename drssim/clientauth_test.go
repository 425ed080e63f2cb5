package drssim_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/amazondrs/drs/drssim"
)

// postBasic sends a token request form with an Authorization header.
func (e *env) postBasic(form url.Values, authorization string) result {
	e.t.Helper()
	req := e.request(http.MethodPost, "/auth/o2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", authorization)
	return e.do(req)
}

// basic is an HTTP Basic header value for id and secret, form-encoded
// first (RFC 6749 §2.3.1).
func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

// without returns a copy of f without the named parameters.
func without(f url.Values, names ...string) url.Values {
	out := url.Values{}
	for k, v := range f {
		out[k] = v
	}
	for _, n := range names {
		out.Del(n)
	}
	return out
}

// TestRefreshWithoutSecret checks LWA's refresh without client_secret
// (docs/wire.md, "Client authentication"): a new access token and no
// refresh_token in the answer;
// the refresh token keeps working, with or without the secret.
func TestRefreshWithoutSecret(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	link := e.link(drssim.LinkRequest{Serial: "SN-nosecret"})
	form := without(refreshForm(link.RefreshToken), "client_secret")

	r := e.postForm("/auth/o2/token", form)
	wantStatus(t, r, http.StatusOK)
	var body map[string]any
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	if _, ok := body["refresh_token"]; ok {
		t.Errorf("answer %s carries a refresh_token; LWA sends none without the secret", r.body)
	}
	at, _ := body["access_token"].(string)
	if !strings.HasPrefix(at, "Atza|") || body["token_type"] != "bearer" || body["expires_in"] != 3600.0 {
		t.Errorf("answer %s", r.body)
	}
	wantStatus(t, e.drs("GET", "/subscriptionInfo", at, "subscription", ""), http.StatusOK)

	// With the secret the same refresh token comes back.
	if tb := tokenOK(t, e.postForm("/auth/o2/token", refreshForm(link.RefreshToken))); tb.RefreshToken != link.RefreshToken {
		t.Errorf("refresh with secret returned %q", tb.RefreshToken)
	}
	// Without a secret the client must still exist and own the token.
	lwaErr(t, e.postForm("/auth/o2/token", without(form, "client_id")), 400, "invalid_request", "The request is missing a required parameter : client_id")
	other := url.Values{"client_id": {"amzn1.application-oa2-client.other"}}
	for k, v := range form {
		if k != "client_id" {
			other[k] = v
		}
	}
	lwaErr(t, e.postForm("/auth/o2/token", other), 401, "invalid_client", "Client authentication failed")
	lwaErr(t, e.postForm("/auth/o2/token", without(form, "refresh_token")), 400, "invalid_request", "The request is missing a required parameter : refresh_token")
}

// TestTokenBasicAuth checks HTTP Basic client authentication on the token
// endpoint (docs/wire.md, "Client authentication") for both grants, and its failures.
func TestTokenBasicAuth(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	link := e.link(drssim.LinkRequest{Serial: "SN-basic"})
	good := basic(drssim.DefaultClientID, drssim.DefaultClientSecret)

	// Both grants, credentials in the header only.
	code := e.login(authParams("SN-basic-code", true), nil)
	tb := tokenOK(t, e.postBasic(without(codeForm(code), "client_id", "client_secret"), good))
	wantStatus(t, e.drs("GET", "/subscriptionInfo", tb.AccessToken, "subscription", ""), http.StatusOK)
	rt := tokenOK(t, e.postBasic(without(refreshForm(link.RefreshToken), "client_id", "client_secret"), good))
	if rt.RefreshToken != link.RefreshToken {
		t.Errorf("Basic refresh returned refresh token %q", rt.RefreshToken)
	}
	// A matching client_id in the body is fine, and the scheme name is case-insensitive.
	tokenOK(t, e.postBasic(without(refreshForm(link.RefreshToken), "client_secret"), "basic "+strings.TrimPrefix(good, "Basic ")))

	refresh := without(refreshForm(link.RefreshToken), "client_id", "client_secret")
	tests := []struct {
		name, auth string
		form       url.Values
		status     int
		code, desc string
	}{
		{"wrong secret", basic(drssim.DefaultClientID, "nope"), refresh, 401, "invalid_client", "Client authentication failed"},
		{"unknown client", basic("amzn1.application-oa2-client.other", drssim.DefaultClientSecret), refresh, 401, "invalid_client", "Client authentication failed"},
		{"not base64", "Basic %%%", refresh, 401, "invalid_client", "Client authentication failed"},
		{"no colon", "Basic " + base64.StdEncoding.EncodeToString([]byte(drssim.DefaultClientID)), refresh, 401, "invalid_client", "Client authentication failed"},
		{"bad escape", "Basic " + base64.StdEncoding.EncodeToString([]byte("%zz:x")), refresh, 401, "invalid_client", "Client authentication failed"},
		{"empty client_id", basic("", drssim.DefaultClientSecret), refresh, 401, "invalid_client", "Client authentication failed"},
		{"other scheme", "Bearer " + link.AccessToken, refresh, 401, "invalid_client", "Client authentication failed"},
		{"body client_id differs", good, without(refreshForm(link.RefreshToken), "client_secret"), 401, "invalid_client", "Client authentication failed"},
		{"secret in body too", good, refreshForm(link.RefreshToken), 400, "invalid_request", "The request uses more than one client authentication method : send client_secret either in the Authorization header or in the body"},
	}
	tests[7].form.Set("client_id", "amzn1.application-oa2-client.other")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.postBasic(tt.form, tt.auth)
			lwaErr(t, r, tt.status, tt.code, tt.desc)
			if got := r.header.Get("WWW-Authenticate"); (tt.status == 401) != strings.HasPrefix(got, "Basic ") {
				t.Errorf("WWW-Authenticate = %q with status %d", got, tt.status)
			}
			if strings.Contains(string(r.body), drssim.DefaultClientSecret) {
				t.Errorf("error body %s echoes the secret", r.body)
			}
		})
	}
}
