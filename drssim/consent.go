package drssim

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
)

// maxFormBody caps form bodies of the consent and token endpoints.
const maxFormBody = 64 << 10

// consentTmpl is the consent page, in the style of Amazon's Dash
// Replenishment device setup. Browser tests rely on its ids and names: form
// "consent", radio inputs named "slot.<slotId>" with the ASIN as value,
// buttons "allow" and "deny" named "decision".
var consentTmpl = template.Must(template.New("consent").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Amazon Dash Replenishment: set up your device</title>
<style>
body{font-family:"Amazon Ember",Arial,sans-serif;margin:0;color:#111;background:#fff}
header{background:#232f3e;color:#fff;padding:12px 24px;font-size:22px;font-weight:bold}
header small{font-weight:normal;font-size:14px;margin-left:12px;color:#ddd}
main{max-width:640px;margin:24px auto;padding:0 16px}
.card{border:1px solid #ddd;border-radius:8px;padding:18px 24px;margin-bottom:16px}
h1{font-size:26px;font-weight:normal;margin:0 0 8px}
.badge{display:inline-block;border-radius:4px;padding:2px 8px;font-size:12px;font-weight:bold;margin-left:6px}
.test{background:#fff4e5;color:#b45d00;border:1px solid #f0c36d}
.nonlive{background:#eef4ff;color:#1c4f9c;border:1px solid #9cb8e8}
fieldset{border:1px solid #ddd;border-radius:8px;margin:0 0 14px;padding:10px 18px}
legend{font-weight:bold;padding:0 6px}
label{display:block;padding:6px 0}
.meta{color:#565959;font-size:13px}
button{border-radius:8px;padding:8px 22px;font-size:15px;margin-right:10px;cursor:pointer}
#allow{background:#ffd814;border:1px solid #fcd200}
#deny{background:#fff;border:1px solid #d5d9d9}
</style></head>
<body>
<header>amazon<small>Dash Replenishment</small></header>
<main>
<div class="card">
<h1>Set up automatic reordering</h1>
<p id="customer">Hello, <strong>{{.Customer}}</strong>. <span class="meta">Not you? Sign out of Amazon and sign in again.</span></p>
<p id="device">Device: <strong id="device-model">{{.Model}}</strong>, serial <strong id="device-serial">{{.Serial}}</strong>
{{- if .Test}} <span class="badge test" id="test-device">Test device</span>{{end}}
{{- if .NonLive}} <span class="badge nonlive" id="non-live">Non-live</span>{{end}}</p>
<p class="meta">Your device will reorder the products you choose below from your Amazon account when it runs low.
{{- if .Test}} Orders from a test device are trial purchases: you are not charged and nothing ships.{{end}}</p>
</div>
<form id="consent" method="post" action="/ap/oa/consent">
<input type="hidden" name="consent_id" value="{{.ConsentID}}">
{{range .Slots}}<fieldset class="slot" data-slot="{{.ID}}">
<legend>Slot {{.ID}}: choose a product</legend>
{{range .Products}}<label><input type="radio" id="{{.InputID}}" name="{{.Name}}" value="{{.ASIN}}"{{if .Checked}} checked{{end}}>
{{.Title}} <span class="meta">({{.Quantity}} {{.Unit}}, ASIN {{.ASIN}})</span></label>
{{end}}</fieldset>
{{end}}<p class="meta">By selecting Allow, you let this device place orders for these products with your default payment method and address.</p>
<button type="submit" id="allow" name="decision" value="allow">Allow</button>
<button type="submit" id="deny" name="decision" value="deny">Deny</button>
</form>
</main></body></html>
`))

type pageProduct struct {
	InputID, Name, ASIN, Title, Unit string
	Quantity                         int
	Checked                          bool
}

type pageSlot struct {
	ID       string
	Products []pageProduct
}

// consentPage renders the consent page for consent id. The non-live badge
// marks a model that has not passed certification, not the
// should_include_non_live flag, which a live model may also be sent with.
func (s *Server) consentPage(id string, c *consent) response {
	data := struct {
		ConsentID, Customer, Model, Serial string
		Test, NonLive                      bool
		Slots                              []pageSlot
	}{id, s.cfg.CustomerName, c.model.ID, c.serial, c.test, !c.model.Live, nil}
	for i, sl := range c.model.Slots {
		ps := pageSlot{ID: sl.ID}
		for j, p := range sl.Products {
			title := p.Title
			if title == "" {
				title = p.ASIN
			}
			ps.Products = append(ps.Products, pageProduct{
				InputID: fmt.Sprintf("slot-%d-product-%d", i, j), Name: "slot." + sl.ID,
				ASIN: p.ASIN, Title: title, Unit: p.Unit, Quantity: p.Quantity, Checked: j == 0,
			})
		}
		data.Slots = append(data.Slots, ps)
	}
	var buf bytes.Buffer
	if err := consentTmpl.Execute(&buf, data); err != nil {
		return errorPage(http.StatusInternalServerError, "The sign-in page could not be rendered.")
	}
	return htmlResponse(http.StatusOK, http.Header{"Cache-Control": {"no-store"}}, buf.Bytes())
}

// consent serves POST /ap/oa/consent, the consent form's answer. Allow
// registers the device with the chosen products and redirects with a code;
// Deny redirects with access_denied. A consent page can be answered once,
// within the code lifetime.
func (s *Server) consent(r *http.Request) response {
	r.Body = http.MaxBytesReader(nil, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		return errorPage(http.StatusBadRequest, "The form could not be read.")
	}
	form := r.PostForm
	decision := form.Get("decision")
	if decision != "allow" && decision != "deny" {
		return errorPage(http.StatusBadRequest, "Choose Allow or Deny.")
	}
	now := s.clock.now()
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	id := form.Get("consent_id")
	c := s.st.consents[id]
	if c == nil || !now.Before(c.expires) {
		delete(s.st.consents, id)
		return errorPage(http.StatusBadRequest, "This page has expired or was already used. Start the device setup again from your device's app.")
	}
	noteDevice(r, deviceKey{c.clientID, c.model.ID, c.serial})
	var state []string
	if c.hasState {
		state = []string{c.state}
	}
	if decision == "deny" {
		delete(s.st.consents, id)
		return redirectError(c.redirectURI, errAccessDenied, "The user denied the request.", state)
	}
	choices, err := chooseProducts(c.model, formChoices(form, c.model))
	if err != nil {
		return errorPage(http.StatusBadRequest, "Invalid product choice: "+err.Error())
	}
	delete(s.st.consents, id)
	d := s.st.link(c.clientID, c.model, c.serial, c.test, c.nonLive, choices)
	s.notifyLinked(d, now)
	code := newAuthCode()
	s.st.codes[code] = &authCode{dev: d, clientID: c.clientID, redirectURI: c.redirectURI,
		challenge: c.challenge, method: c.method, expires: now.Add(authCodeTTL)}
	v := url.Values{"code": {code}, "scope": {scopeDRS}}
	if c.hasState {
		v["state"] = state
	}
	return redirectWith(c.redirectURI, v)
}

// formChoices collects the slot.<slotId> radio values of the form.
func formChoices(form url.Values, m *modelInfo) map[string]string {
	out := map[string]string{}
	for _, sl := range m.Slots {
		if v, ok := form["slot."+sl.ID]; ok && len(v) > 0 {
			out[sl.ID] = v[0]
		}
	}
	return out
}
