package drssim_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/amazondrs/drs/drssim"
)

// scopeData returns a scope_data value for the default live model.
func scopeData(serial string, test bool) string {
	return fmt.Sprintf(`{"dash:replenish":{"device_model":%q,"serial":%q,"is_test_device":%v}}`, drssim.DefaultModel, serial, test)
}

// authParams returns a valid /ap/oa query for a device.
func authParams(serial string, test bool) url.Values {
	return url.Values{
		"client_id":     {drssim.DefaultClientID},
		"scope":         {"dash:replenish"},
		"response_type": {"code"},
		"redirect_uri":  {callbackURL},
		"state":         {"st-123"},
		"scope_data":    {scopeData(serial, test)},
	}
}

// authorize sends GET /ap/oa with the query.
func (e *env) authorize(q url.Values) result {
	e.t.Helper()
	return e.get("/ap/oa?" + q.Encode())
}

var consentIDRe = regexp.MustCompile(`name="consent_id" value="([^"]+)"`)

// consentID extracts the hidden consent id of a consent page.
func consentID(t *testing.T, page result) string {
	t.Helper()
	wantStatus(t, page, http.StatusOK)
	m := consentIDRe.FindSubmatch(page.body)
	if m == nil {
		t.Fatalf("no consent_id in page:\n%s", page.body)
	}
	return string(m[1])
}

// submitConsent posts the consent form.
func (e *env) submitConsent(id, decision string, choices map[string]string) result {
	e.t.Helper()
	form := url.Values{"consent_id": {id}, "decision": {decision}}
	for slot, asin := range choices {
		form.Set("slot."+slot, asin)
	}
	return e.postForm("/ap/oa/consent", form)
}

// location parses the Location of a redirect.
func location(t *testing.T, r result) *url.URL {
	t.Helper()
	wantStatus(t, r, http.StatusFound)
	u, err := url.Parse(r.header.Get("Location"))
	if err != nil {
		t.Fatalf("Location %q: %v", r.header.Get("Location"), err)
	}
	return u
}

// login walks the browser flow for q and returns the authorization code.
func (e *env) login(q url.Values, choices map[string]string) string {
	e.t.Helper()
	id := consentID(e.t, e.authorize(q))
	u := location(e.t, e.submitConsent(id, "allow", choices))
	code := u.Query().Get("code")
	if code == "" {
		e.t.Fatalf("redirect %s has no code", u)
	}
	return code
}

func TestAuthorizeErrorPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	tests := []struct {
		name string
		mod  func(url.Values)
		want string
	}{
		{"missing client_id", func(v url.Values) { v.Del("client_id") }, "missing a required parameter : client_id"},
		{"unknown client_id", func(v url.Values) { v.Set("client_id", "amzn1.application-oa2-client.nope") }, "unknown client_id"},
		{"missing redirect_uri", func(v url.Values) { v.Del("redirect_uri") }, "missing a required parameter : redirect_uri"},
		{"foreign redirect_uri", func(v url.Values) { v.Set("redirect_uri", "https://evil.example/callback") }, "not an Allowed Return URL"},
		{"loopback other path", func(v url.Values) { v.Set("redirect_uri", "http://127.0.0.1:9999/other") }, "not an Allowed Return URL"},
		{"loopback https", func(v url.Values) { v.Set("redirect_uri", "https://127.0.0.1:9999/callback") }, "not an Allowed Return URL"},
		{"loopback other host", func(v url.Values) { v.Set("redirect_uri", "http://[::1]:9999/callback") }, "not an Allowed Return URL"},
		{"redirect with fragment", func(v url.Values) { v.Set("redirect_uri", "http://127.0.0.1:9999/callback#x") }, "not an Allowed Return URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := authParams("SN-1", true)
			tt.mod(q)
			r := e.authorize(q)
			wantStatus(t, r, http.StatusBadRequest)
			if r.header.Get("Location") != "" {
				t.Errorf("error page also redirects to %q", r.header.Get("Location"))
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type = %q, want text/html", ct)
			}
			if !strings.Contains(string(r.body), tt.want) {
				t.Errorf("page does not say %q:\n%s", tt.want, r.body)
			}
			checkStamp(t, r)
		})
	}
}

func TestAuthorizeRedirectErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	sd := func(fields string) string { return `{"dash:replenish":{` + fields + `}}` }
	tests := []struct {
		name, code, desc string
		mod              func(url.Values)
	}{
		{"missing response_type", "invalid_request", "response_type", func(v url.Values) { v.Del("response_type") }},
		{"token response_type", "unsupported_response_type", "response_type", func(v url.Values) { v.Set("response_type", "token") }},
		{"missing scope", "invalid_request", "scope", func(v url.Values) { v.Del("scope") }},
		{"other scope", "invalid_scope", "profile", func(v url.Values) { v.Set("scope", "profile") }},
		{"missing scope_data", "invalid_request", "scope_data", func(v url.Values) { v.Del("scope_data") }},
		{"scope_data not JSON", "invalid_request", "not a JSON object", func(v url.Values) { v.Set("scope_data", "{") }},
		{"scope_data without dash:replenish", "invalid_request", "dash:replenish", func(v url.Values) { v.Set("scope_data", `{"x":{}}`) }},
		{"missing device_model", "invalid_request", "device_model", func(v url.Values) { v.Set("scope_data", sd(`"serial":"S1"`)) }},
		{"device_model not a string", "invalid_request", "device_model", func(v url.Values) { v.Set("scope_data", sd(`"device_model":7,"serial":"S1"`)) }},
		{"unknown device_model", "invalid_scope", "NoSuchModel", func(v url.Values) { v.Set("scope_data", sd(`"device_model":"NoSuchModel","serial":"S1"`)) }},
		{"missing serial", "invalid_request", "serial", func(v url.Values) { v.Set("scope_data", sd(`"device_model":"CoffeeMaker01"`)) }},
		{"serial charset", "invalid_request", "serial", func(v url.Values) { v.Set("scope_data", sd(`"device_model":"CoffeeMaker01","serial":"a b"`)) }},
		{"serial too long", "invalid_request", "serial", func(v url.Values) {
			v.Set("scope_data", sd(`"device_model":"CoffeeMaker01","serial":"`+strings.Repeat("s", 65)+`"`))
		}},
		{"serial not ASCII", "invalid_request", `serial "` + strings.Repeat("é", 40) + `" contains 'é'`, func(v url.Values) {
			v.Set("scope_data", sd(`"device_model":"CoffeeMaker01","serial":"`+strings.Repeat("é", 40)+`"`))
		}},
		{"device_model charset", "invalid_request", "device_model", func(v url.Values) { v.Set("scope_data", sd(`"device_model":"Coffee Maker","serial":"S1"`)) }},
		{"device_model too long", "invalid_request", "device_model", func(v url.Values) {
			v.Set("scope_data", sd(`"device_model":"`+strings.Repeat("M", 65)+`","serial":"S1"`))
		}},
		{"is_test_device not a boolean", "invalid_request", "is_test_device", func(v url.Values) {
			v.Set("scope_data", sd(`"device_model":"CoffeeMaker01","serial":"S1","is_test_device":"yes"`))
		}},
		{"should_include_non_live not a boolean", "invalid_request", "should_include_non_live", func(v url.Values) {
			v.Set("scope_data", sd(`"device_model":"CoffeeMaker01","serial":"S1","should_include_non_live":1`))
		}},
		{"non-live model refused", "invalid_scope", "not live", func(v url.Values) {
			v.Set("scope_data", sd(`"device_model":"CoffeeMaker02-beta","serial":"S1"`))
		}},
		{"non-live model with false", "invalid_scope", "not live", func(v url.Values) {
			v.Set("scope_data", sd(`"device_model":"CoffeeMaker02-beta","serial":"S1","should_include_non_live":"false"`))
		}},
		{"bad PKCE method", "invalid_request", "code_challenge_method", func(v url.Values) {
			v.Set("code_challenge", strings.Repeat("a", 43))
			v.Set("code_challenge_method", "S512")
		}},
		{"short PKCE challenge", "invalid_request", "code_challenge", func(v url.Values) { v.Set("code_challenge", "short") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := authParams("SN-1", true)
			tt.mod(q)
			r := e.authorize(q)
			u := location(t, r)
			checkStamp(t, r)
			if got := u.Scheme + "://" + u.Host + u.Path; got != callbackURL {
				t.Errorf("redirected to %s, want %s", got, callbackURL)
			}
			got := u.Query()
			if got.Get("error") != tt.code || got.Get("state") != "st-123" || !strings.Contains(got.Get("error_description"), tt.desc) {
				t.Errorf("redirect query = %v, want error=%s, state=st-123, error_description containing %q", got, tt.code, tt.desc)
			}
			if got.Has("code") {
				t.Errorf("error redirect carries a code")
			}
		})
	}
}

func TestAuthorizeAccepts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	sd := func(fields string) string { return `{"dash:replenish":{` + fields + `}}` }
	tests := []struct {
		name string
		mod  func(url.Values)
	}{
		{"defaults", func(url.Values) {}},
		{"loopback any port", func(v url.Values) { v.Set("redirect_uri", "http://127.0.0.1:51234/callback") }},
		{"localhost any port", func(v url.Values) { v.Set("redirect_uri", "http://localhost:40000/callback") }},
		{"string booleans", func(v url.Values) {
			v.Set("scope_data", sd(`"device_model":"CoffeeMaker01","serial":"S-1+_x","is_test_device":"true","should_include_non_live":"false"`))
		}},
		{"flags absent", func(v url.Values) { v.Set("scope_data", sd(`"device_model":"CoffeeMaker01","serial":"S1"`)) }},
		{"non-live with bool", func(v url.Values) {
			v.Set("scope_data", sd(`"device_model":"CoffeeMaker02-beta","serial":"S1","should_include_non_live":true`))
		}},
		{"non-live with string", func(v url.Values) {
			v.Set("scope_data", sd(`"device_model":"CoffeeMaker02-beta","serial":"S1","should_include_non_live":"true"`))
		}},
		{"no state", func(v url.Values) { v.Del("state") }},
		{"serial of 64", func(v url.Values) {
			v.Set("scope_data", sd(`"device_model":"CoffeeMaker01","serial":"`+strings.Repeat("s", 64)+`"`))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := authParams("SN-1", true)
			tt.mod(q)
			r := e.authorize(q)
			consentID(t, r)
			checkStamp(t, r)
		})
	}
}

func TestConsentPage(t *testing.T) {
	t.Parallel()
	cfg := drssim.DefaultConfig()
	cfg.CustomerName = `Ada <script>alert(1)</script>`
	e := newEnv(t, cfg)
	r := e.authorize(authParams("SN-page", true))
	consentID(t, r)
	page := string(r.body)
	for _, want := range []string{
		`<form id="consent" method="post" action="/ap/oa/consent">`,
		`Ada &lt;script&gt;alert(1)&lt;/script&gt;`,
		`id="device-model">CoffeeMaker01<`,
		`id="device-serial">SN-page<`,
		`id="test-device"`,
		`name="slot.coffee-beans" value="B00DRSSIM1" checked`,
		`name="slot.coffee-beans" value="B00DRSSIM2">`,
		`name="slot.water-filter" value="B00DRSSIM3" checked`,
		`id="allow" name="decision" value="allow"`,
		`id="deny" name="decision" value="deny"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("consent page lacks %s", want)
		}
	}
	if strings.Contains(page, "<script>") {
		t.Errorf("customer name is not escaped")
	}
	if strings.Contains(page, `id="non-live"`) {
		t.Errorf("live model page shows the non-live badge")
	}
	real := e.authorize(authParams("SN-real", false))
	if strings.Contains(string(real.body), `id="test-device"`) {
		t.Errorf("real device page shows the test device badge")
	}
	// should_include_non_live on a live model does not make it non-live.
	q := authParams("SN-flag", false)
	q.Set("scope_data", `{"dash:replenish":{"device_model":"CoffeeMaker01","serial":"SN-flag","should_include_non_live":true}}`)
	if body := string(e.authorize(q).body); strings.Contains(body, `id="non-live"`) || !strings.Contains(body, `id="consent"`) {
		t.Errorf("live model with should_include_non_live: non-live badge shown or no consent form:\n%s", body)
	}
	q.Set("scope_data", `{"dash:replenish":{"device_model":"CoffeeMaker02-beta","serial":"SN-beta","should_include_non_live":"true"}}`)
	beta := string(e.authorize(q).body)
	for _, want := range []string{`id="device-model">CoffeeMaker02-beta<`, `id="non-live"`, `name="slot.coffee-pods" value="B00DRSSIM5" checked`, `name="slot.descaler"`} {
		if !strings.Contains(beta, want) {
			t.Errorf("non-live model page lacks %s", want)
		}
	}
}

func TestConsentAllowAndDeny(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})

	id := consentID(t, e.authorize(authParams("SN-allow", true)))
	r := e.submitConsent(id, "allow", map[string]string{"coffee-beans": "B00DRSSIM2"})
	checkStamp(t, r)
	u := location(t, r)
	q := u.Query()
	if u.Scheme+"://"+u.Host+u.Path != callbackURL || q.Get("code") == "" || q.Get("scope") != "dash:replenish" || q.Get("state") != "st-123" {
		t.Fatalf("allow redirect = %s", u)
	}
	if !strings.Contains(u.RawQuery, "scope=dash%3Areplenish") {
		t.Errorf("scope not escaped as dash%%3Areplenish: %s", u.RawQuery)
	}
	d, ok := e.s.Device(drssim.DefaultClientID, drssim.DefaultModel, "SN-allow")
	if !ok || !d.Registered || !d.Test {
		t.Fatalf("device after allow = %+v, %v", d, ok)
	}
	if got := d.Subscriptions["coffee-beans"].ASIN; got != "B00DRSSIM2" {
		t.Errorf("coffee-beans subscription = %s, want the chosen B00DRSSIM2", got)
	}
	if got := d.Subscriptions["water-filter"].ASIN; got != "B00DRSSIM3" {
		t.Errorf("water-filter subscription = %s, want the default B00DRSSIM3", got)
	}

	wantStatus(t, e.submitConsent(id, "allow", nil), http.StatusBadRequest) // used consent

	id = consentID(t, e.authorize(authParams("SN-deny", true)))
	u = location(t, e.submitConsent(id, "deny", nil))
	if q := u.Query(); q.Get("error") != "access_denied" || q.Get("error_description") == "" || q.Get("state") != "st-123" || q.Has("code") {
		t.Errorf("deny redirect = %s", u)
	}
	if _, ok := e.s.Device(drssim.DefaultClientID, drssim.DefaultModel, "SN-deny"); ok {
		t.Errorf("denied device was registered")
	}
}

func TestConsentErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	id := consentID(t, e.authorize(authParams("SN-x", true)))
	for name, r := range map[string]result{
		"unknown consent":     e.submitConsent("nope", "allow", nil),
		"no decision":         e.submitConsent(id, "", nil),
		"product not in slot": e.submitConsent(id, "allow", map[string]string{"coffee-beans": "B00DRSSIM3"}),
	} {
		if r.status != http.StatusBadRequest || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: status %d, Content-Type %q; want a 400 HTML page", name, r.status, r.header.Get("Content-Type"))
		}
	}
	// The consent survives the bad answers above and expires with the code lifetime.
	e.s.Advance(6 * time.Minute)
	wantStatus(t, e.submitConsent(id, "allow", nil), http.StatusBadRequest)
}
