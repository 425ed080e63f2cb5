package consentbrowser

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const page = `<!DOCTYPE html><html><head><title>Set up</title></head><body>
<h1>Set up <em>automatic</em> reordering</h1>
<form id="search" action="/search"><input type="hidden" name="q" value="x"><button name="decision" value="go">Go</button></form>
<form id="consent" method="post" action="/ap/oa/consent">
<input type="hidden" name="consent_id" value="a&amp;b">
<fieldset><label><input type="radio" id="p0" name="slot.coffee" value="B1">One</label>
<label><input type=radio name='slot.coffee' value="B2" checked>Two</label></fieldset>
<fieldset><label><input type="radio" name="slot.filter" value="B3" >Three</label></fieldset>
<button type="submit" id="allow" name="decision" value="allow">Allow</button>
<button type="submit" id="deny" name="decision" value="deny">Deny</button>
</form></body></html>`

func TestParseConsent(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("http://127.0.0.1:9/ap/oa?client_id=x")
	p := &Page{URL: u, Status: 200, Body: page}
	if got := p.Title(); got != "Set up automatic reordering" {
		t.Errorf("Title = %q", got)
	}
	c, err := ParseConsent(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.Action != "http://127.0.0.1:9/ap/oa/consent" {
		t.Errorf("Action = %q", c.Action)
	}
	want := []SlotChoice{{ID: "coffee", ASINs: []string{"B1", "B2"}, Chosen: "B2"}, {ID: "filter", ASINs: []string{"B3"}}}
	if diff := cmp.Diff(want, c.Slots); diff != "" {
		t.Errorf("Slots (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"allow", "deny"}, c.Buttons); diff != "" {
		t.Errorf("Buttons (-want +got):\n%s", diff)
	}
	v := c.Values("allow")
	if v.Get("consent_id") != "a&b" || v.Get("slot.coffee") != "B2" || v.Get("slot.filter") != "B3" || v.Get("decision") != "allow" || v.Has("q") {
		t.Errorf("Values = %v", v)
	}
	if diff := cmp.Diff(map[string]string{"coffee": "B2", "filter": "B3"}, c.Choices()); diff != "" {
		t.Errorf("Choices (-want +got):\n%s", diff)
	}
	if _, err := ParseConsent(&Page{URL: u, Body: "<h1>Error</h1>"}); err == nil || !strings.Contains(err.Error(), "Error") {
		t.Errorf("no form: %v", err)
	}
}

func TestBrowserStopsAt(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/start":
			http.SetCookie(w, &http.Cookie{Name: "s", Value: "1"})
			http.Redirect(w, r, "/middle", http.StatusFound)
		case "/middle":
			if c, err := r.Cookie("s"); err != nil || c.Value != "1" {
				http.Error(w, "no cookie", http.StatusBadRequest)
				return
			}
			http.Redirect(w, r, "http://127.0.0.1:1/callback?code=c", http.StatusFound)
		}
	}))
	defer srv.Close()
	b := New("http://127.0.0.1:1/callback")
	p, err := b.Get(t.Context(), srv.URL+"/start")
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != http.StatusFound || p.Location != "http://127.0.0.1:1/callback?code=c" || len(p.Hops) != 2 {
		t.Errorf("page = HTTP %d, Location %q, hops %v", p.Status, p.Location, p.Hops)
	}
}
