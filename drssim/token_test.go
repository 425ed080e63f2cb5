package drssim_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/amazondrs/drs/drssim"
)

// tokenBody is the token endpoint's success JSON.
type tokenBody struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
}

// codeForm is an authorization_code grant for code.
func codeForm(code string) url.Values {
	return url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"client_id":     {drssim.DefaultClientID},
		"client_secret": {drssim.DefaultClientSecret},
		"redirect_uri":  {callbackURL},
	}
}

// refreshForm is a refresh_token grant.
func refreshForm(rt string) url.Values {
	return url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {rt},
		"client_id":     {drssim.DefaultClientID},
		"client_secret": {drssim.DefaultClientSecret},
	}
}

// tokenOK checks a token success response and decodes it.
func tokenOK(t *testing.T, r result) tokenBody {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	checkStamp(t, r)
	for k, v := range map[string]string{
		"Content-Type":  "application/json;charset=UTF-8",
		"Cache-Control": "no-store",
		"Pragma":        "no-cache",
	} {
		if got := r.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	var tb tokenBody
	if err := json.Unmarshal(r.body, &tb); err != nil {
		t.Fatalf("token body %s: %v", r.body, err)
	}
	if !strings.HasPrefix(tb.AccessToken, "Atza|") || len(tb.AccessToken) < 350 || len(tb.AccessToken) > 2048 {
		t.Errorf("access_token %q: want Atza|, 350 to 2048 bytes", tb.AccessToken)
	}
	if !strings.HasPrefix(tb.RefreshToken, "Atzr|") || tb.TokenType != "bearer" || tb.ExpiresIn != 3600 {
		t.Errorf("token = %+v", tb)
	}
	return tb
}

// lwaErr checks an LWA error response.
func lwaErr(t *testing.T, r result, status int, code, desc string) {
	t.Helper()
	wantStatus(t, r, status)
	checkStamp(t, r)
	var body map[string]string
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("error body %s: %v", r.body, err)
	}
	if body["error"] != code || body["error_description"] != desc {
		t.Errorf("error body = %v, want error %q, error_description %q", body, code, desc)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json;charset=UTF-8" {
		t.Errorf("Content-Type = %q", ct)
	}
}

const oa2Type = "OA2InvalidRequestException:http://internal.amazon.com/coral/com.amazon.panda/"

func TestTokenExchangeAndRefresh(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	code := e.login(authParams("SN-tok", true), nil)
	tb := tokenOK(t, e.postForm("/auth/o2/token", codeForm(code)))

	// The code is single use.
	r := e.postForm("/auth/o2/token", codeForm(code))
	lwaErr(t, r, 400, "invalid_grant", "The request has an invalid grant parameter : code")
	if got := r.header.Get("X-Amzn-Errortype"); got != oa2Type {
		t.Errorf("X-Amzn-Errortype = %q", got)
	}

	// Refresh returns the same refresh token and a new access token; both access tokens work.
	tb2 := tokenOK(t, e.postForm("/auth/o2/token", refreshForm(tb.RefreshToken)))
	if tb2.RefreshToken != tb.RefreshToken || tb2.AccessToken == tb.AccessToken {
		t.Errorf("refresh: got refresh %v same, access %v same", tb2.RefreshToken == tb.RefreshToken, tb2.AccessToken == tb.AccessToken)
	}
	for _, at := range []string{tb.AccessToken, tb2.AccessToken} {
		wantStatus(t, e.drs("GET", "/subscriptionInfo", at, "subscription", ""), 200)
	}

	// An hour later (plus a minute) both access tokens are expired; refresh still works.
	e.s.Advance(61 * time.Minute)
	for _, at := range []string{tb.AccessToken, tb2.AccessToken} {
		wantMessage(t, e.drs("GET", "/subscriptionInfo", at, "subscription", ""), 400, "Invalid token", "InvalidTokenException:")
	}
	tb3 := tokenOK(t, e.postForm("/auth/o2/token", refreshForm(tb.RefreshToken)))
	wantStatus(t, e.drs("GET", "/subscriptionInfo", tb3.AccessToken, "subscription", ""), 200)
}

func TestTokenCodeExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	code := e.login(authParams("SN-exp", true), nil)
	e.s.Advance(6 * time.Minute)
	lwaErr(t, e.postForm("/auth/o2/token", codeForm(code)), 400, "invalid_grant", "The request has an invalid grant parameter : code")

	code = e.login(authParams("SN-exp", true), nil)
	e.s.Advance(4 * time.Minute)
	tokenOK(t, e.postForm("/auth/o2/token", codeForm(code)))
}

func TestTokenErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	code := e.login(authParams("SN-err", true), nil)
	link := e.link(drssim.LinkRequest{Serial: "SN-err2"})
	with := func(f url.Values, k, v string) url.Values {
		out := url.Values{}
		for key, vals := range f {
			out[key] = vals
		}
		if v == "" {
			out.Del(k)
		} else {
			out.Set(k, v)
		}
		return out
	}
	missing := func(p string) string { return "The request is missing a required parameter : " + p }
	tests := []struct {
		name         string
		form         url.Values
		status       int
		code, desc   string
		wantErrTypes bool
	}{
		{"no grant_type", with(codeForm(code), "grant_type", ""), 400, "invalid_request", missing("grant_type"), true},
		{"bad grant_type", with(codeForm(code), "grant_type", "password"), 400, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server", false},
		{"no code", with(codeForm(code), "code", ""), 400, "invalid_request", missing("code"), true},
		{"no client_id", with(codeForm(code), "client_id", ""), 400, "invalid_request", missing("client_id"), true},
		{"no redirect_uri", with(codeForm(code), "redirect_uri", ""), 400, "invalid_request", missing("redirect_uri"), true},
		{"no client_secret", with(codeForm(code), "client_secret", ""), 400, "invalid_request", missing("client_secret"), true},
		{"wrong secret", with(codeForm(code), "client_secret", "nope"), 401, "invalid_client", "Client authentication failed", false},
		{"unknown client", with(codeForm(code), "client_id", "amzn1.application-oa2-client.other"), 401, "invalid_client", "Client authentication failed", false},
		{"unknown code", with(codeForm(code), "code", "AAAAAAAAAAAAAAAAAAAA"), 400, "invalid_grant", "The request has an invalid grant parameter : code", true},
		{"other redirect_uri", with(codeForm(code), "redirect_uri", "http://localhost:8182/callback"), 400, "invalid_grant", "The request has an invalid grant parameter : redirect_uri", true},
		{"refresh: no refresh_token", with(refreshForm(link.RefreshToken), "refresh_token", ""), 400, "invalid_request", missing("refresh_token"), true},
		{"refresh: no client_id", with(refreshForm(link.RefreshToken), "client_id", ""), 400, "invalid_request", missing("client_id"), true},
		{"refresh: wrong secret", with(refreshForm(link.RefreshToken), "client_secret", "x"), 401, "invalid_client", "Client authentication failed", false},
		{"refresh: unknown token", with(refreshForm(link.RefreshToken), "refresh_token", "Atzr|nope"), 400, "invalid_grant", "The request has an invalid grant parameter : refresh_token", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.postForm("/auth/o2/token", tt.form)
			lwaErr(t, r, tt.status, tt.code, tt.desc)
			if got := r.header.Get("X-Amzn-Errortype") == oa2Type; got != tt.wantErrTypes {
				t.Errorf("X-Amzn-Errortype = %q", r.header.Get("X-Amzn-Errortype"))
			}
		})
	}
	// None of the failures above used up the code.
	tokenOK(t, e.postForm("/auth/o2/token", codeForm(code)))

	// A JSON body is not a form: grant_type is missing.
	r := e.postJSON("/auth/o2/token", `{"grant_type":"refresh_token"}`)
	lwaErr(t, r, 400, "invalid_request", missing("grant_type"))
	// Parameters in the query string are ignored.
	r = e.do(e.request("POST", "/auth/o2/token?"+refreshForm(link.RefreshToken).Encode(), nil))
	lwaErr(t, r, 400, "invalid_request", missing("grant_type"))
}

func TestTokenPKCE(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	verifier := strings.Repeat("v3rifier-", 6)
	sum := sha256.Sum256([]byte(verifier))
	q := authParams("SN-pkce", true)
	q.Set("code_challenge", base64.RawURLEncoding.EncodeToString(sum[:]))
	q.Set("code_challenge_method", "S256")

	code := e.login(q, nil)
	f := codeForm(code)
	f.Del("client_secret")
	lwaErr(t, e.postForm("/auth/o2/token", f), 400, "invalid_request", "The request is missing a required parameter : code_verifier")
	f.Set("code_verifier", verifier+"x")
	lwaErr(t, e.postForm("/auth/o2/token", f), 400, "invalid_grant", "The request has an invalid grant parameter : code_verifier")
	f.Set("code_verifier", verifier)
	tokenOK(t, e.postForm("/auth/o2/token", f))
}
