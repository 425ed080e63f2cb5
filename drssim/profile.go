package drssim

import (
	"bytes"
	"crypto/subtle"
	"html/template"
	"net"
	"net/http"
	"net/url"
)

// profile is a configured security profile with its return URLs parsed.
type profile struct {
	SecurityProfile
	allowed []*url.URL
}

func newProfile(p SecurityProfile) *profile {
	pr := &profile{SecurityProfile: p}
	for _, raw := range p.AllowedReturnURLs {
		u, _ := parseReturnURL(raw) // validated by Config.Validate
		pr.allowed = append(pr.allowed, u)
	}
	return pr
}

// secretOK reports whether secret is the profile's client secret, in
// constant time.
func (p *profile) secretOK(secret string) bool {
	return subtle.ConstantTimeCompare([]byte(secret), []byte(p.ClientSecret)) == 1
}

// allowsRedirect reports whether raw is an allowed return URL: equal to one
// as a string, or, with AllowLoopbackAnyPort, a plain-HTTP loopback URL that
// differs from an allowed one only in its port (RFC 8252 §7.3).
func (p *profile) allowsRedirect(raw string) bool {
	for _, a := range p.AllowedReturnURLs {
		if a == raw {
			return true
		}
	}
	if !p.AllowLoopbackAnyPort {
		return false
	}
	u, err := parseReturnURL(raw)
	if err != nil || u.Scheme != "http" || !isLoopbackHost(u.Hostname()) {
		return false
	}
	for _, a := range p.allowed {
		if a.Scheme == "http" && a.Hostname() == u.Hostname() &&
			a.EscapedPath() == u.EscapedPath() && a.RawQuery == u.RawQuery {
			return true
		}
	}
	return false
}

// isLoopbackHost reports whether host is "localhost" or a loopback IP.
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redirectWith returns a 302 to base with params added to its query.
func redirectWith(base string, params url.Values) response {
	u, err := url.Parse(base)
	if err != nil { // base was validated before; fail safe anyway
		return errorPage(http.StatusBadRequest, "The redirect_uri is not a valid URL.")
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	return response{
		status:      http.StatusFound,
		header:      http.Header{"Location": {u.String()}, "Cache-Control": {"no-store"}},
		contentType: ctHTML,
	}
}

// redirectError returns the OAuth 2.0 error redirect of RFC 6749 §4.1.2.1:
// error, error_description and, when the request had one, state.
func redirectError(redirectURI, code, desc string, state []string) response {
	v := url.Values{"error": {code}, "error_description": {desc}}
	if len(state) > 0 {
		v["state"] = state[:1]
	}
	resp := redirectWith(redirectURI, v)
	resp.outcome = code
	return resp
}

var errorPageTmpl = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Amazon Sign-In</title>
<style>body{font-family:"Amazon Ember",Arial,sans-serif;margin:0;color:#111}
header{background:#232f3e;color:#fff;padding:12px 24px;font-size:22px;font-weight:bold}
main{max-width:560px;margin:32px auto;border:1px solid #ddd;border-radius:8px;padding:20px 26px}
h1{font-size:24px;font-weight:normal;color:#c40000}</style></head>
<body><header>amazon</header>
<main id="error">
<h1>We're sorry!</h1>
<p>An error occurred when we tried to process your request.</p>
<p><strong>Error Summary</strong><br>{{.Status}} {{.StatusText}}<br><span id="error-message">{{.Message}}</span></p>
</main></body></html>
`))

// errorPage returns LWA's HTML error page, used when the error cannot be
// sent back to the client by redirect (unknown client_id, bad redirect_uri,
// expired consent page).
func errorPage(status int, msg string) response {
	var buf bytes.Buffer
	_ = errorPageTmpl.Execute(&buf, struct {
		Status              int
		StatusText, Message string
	}{status, http.StatusText(status), msg})
	return htmlResponse(status, http.Header{"Cache-Control": {"no-store"}}, buf.Bytes())
}
