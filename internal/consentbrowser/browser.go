// Package consentbrowser holds Browser, which plays the customer's browser in
// the device login flow: an http.Client with a cookie jar that follows
// redirects, reads the emulator's consent page and submits it. The demo
// (cmd/drs/internal/cmd/demo) uses it, and tests reach it through
// drssim/drssimtest. It understands only the few elements the flow needs (a
// form, its inputs and buttons), found by scanning the markup: the
// emulator's consent page is known, well-formed HTML.
package consentbrowser

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
)

// maxBody caps the pages read.
const maxBody = 1 << 20

// Browser is a minimal scripted browser.
type Browser struct {
	client *http.Client
	stopAt string
	hops   []string
}

// New returns a Browser. When stopAt is not empty, the Browser does not
// follow a redirect to a URL starting with stopAt: the Page it returns is the
// redirect itself, with Location set (a "browser" whose callback address
// cannot be reached, as in drs login --paste).
func New(stopAt string) *Browser {
	jar, _ := cookiejar.New(nil)
	b := &Browser{stopAt: stopAt}
	b.client = &http.Client{Jar: jar, CheckRedirect: b.checkRedirect}
	return b
}

func (b *Browser) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if b.stopAt != "" && strings.HasPrefix(req.URL.String(), b.stopAt) {
		return http.ErrUseLastResponse
	}
	b.hops = append(b.hops, req.URL.String())
	return nil
}

// Page is a page the Browser landed on.
type Page struct {
	// URL is the page's address, after redirects.
	URL *url.URL
	// Status is the HTTP status.
	Status int
	// Location is the redirect target when the Browser stopped at a
	// redirect (see New), else "".
	Location string
	// Body is the page's markup.
	Body string
	// Hops are the URLs visited on the way, redirects included.
	Hops []string
}

// Title returns the text of the page's <h1>, or of its <title>.
func (p *Page) Title() string {
	for _, re := range []*regexp.Regexp{h1RE, titleRE} {
		if m := re.FindStringSubmatch(p.Body); m != nil {
			return strings.TrimSpace(html.UnescapeString(tagRE.ReplaceAllString(m[1], "")))
		}
	}
	return ""
}

var (
	h1RE    = regexp.MustCompile(`(?is)<h1\b[^>]*>(.*?)</h1>`)
	titleRE = regexp.MustCompile(`(?is)<title\b[^>]*>(.*?)</title>`)
	tagRE   = regexp.MustCompile(`<[^>]*>`)
)

// Get opens u.
func (b *Browser) Get(ctx context.Context, u string) (*Page, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	return b.do(req)
}

// Post submits form to u as application/x-www-form-urlencoded.
func (b *Browser) Post(ctx context.Context, u string, form url.Values) (*Page, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *Browser) do(req *http.Request) (*Page, error) {
	b.hops = []string{req.URL.String()}
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, err
	}
	p := &Page{URL: resp.Request.URL, Status: resp.StatusCode, Body: string(body), Hops: b.hops}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		if loc, err := resp.Location(); err == nil {
			p.Location = loc.String()
		}
	}
	return p, nil
}

// Consent is the emulator's consent form as found on a page.
type Consent struct {
	// Action is the absolute URL the form posts to.
	Action string
	// Hidden are the form's hidden inputs.
	Hidden url.Values
	// Slots are the product choices, in page order.
	Slots []SlotChoice
	// Buttons are the values of the submit buttons named "decision".
	Buttons []string
}

// SlotChoice is the radio group of one slot.
type SlotChoice struct {
	// ID is the slot ID (the radio inputs are named "slot.<ID>").
	ID string
	// ASINs are the products offered.
	ASINs []string
	// Chosen is the ASIN checked by default ("" if none is).
	Chosen string
}

// Values returns what submitting the form with the given decision sends:
// the hidden inputs, each slot's checked (or first) product and the button.
func (c *Consent) Values(decision string) url.Values {
	v := url.Values{}
	for k, vs := range c.Hidden {
		v[k] = append([]string(nil), vs...)
	}
	for _, s := range c.Slots {
		switch {
		case s.Chosen != "":
			v.Set("slot."+s.ID, s.Chosen)
		case len(s.ASINs) > 0:
			v.Set("slot."+s.ID, s.ASINs[0])
		}
	}
	v.Set("decision", decision)
	return v
}

// Choices returns the product each slot gets when the form is submitted.
func (c *Consent) Choices() map[string]string {
	v, m := c.Values(""), map[string]string{}
	for _, s := range c.Slots {
		if a := v.Get("slot." + s.ID); a != "" {
			m[s.ID] = a
		}
	}
	return m
}

var (
	formRE = regexp.MustCompile(`(?is)<form\b[^>]*>.*?</form>`)
	ctlRE  = regexp.MustCompile(`(?is)<(input|button)\b[^>]*>`)
	attrRE = regexp.MustCompile(`(?s)([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>` + "`" + `]+)))?`)
)

// ParseConsent finds the form with id "consent" on p.
func ParseConsent(p *Page) (*Consent, error) {
	for _, f := range formRE.FindAllString(p.Body, -1) {
		open := f[:strings.Index(f, ">")+1]
		attrs := parseAttrs(open)
		if attrs["id"] != "consent" {
			continue
		}
		action, err := p.URL.Parse(attrs["action"])
		if err != nil {
			return nil, fmt.Errorf("consent form: bad action %q", attrs["action"])
		}
		c := &Consent{Action: action.String(), Hidden: url.Values{}}
		for _, tag := range ctlRE.FindAllString(f, -1) {
			c.add(strings.ToLower(tag[1:strings.IndexAny(tag, " \t\r\n>")]), parseAttrs(tag))
		}
		if len(c.Slots) == 0 || len(c.Buttons) == 0 {
			return nil, errors.New("consent form has no product choice or no buttons")
		}
		return c, nil
	}
	return nil, fmt.Errorf("no consent form on the page %s (HTTP %d, %q)", p.URL.Redacted(), p.Status, p.Title())
}

// add records one input or button of the form.
func (c *Consent) add(tag string, a map[string]string) {
	typ := strings.ToLower(a["type"])
	switch {
	case tag == "button" && a["name"] == "decision":
		c.Buttons = append(c.Buttons, a["value"])
	case tag == "input" && typ == "hidden":
		c.Hidden.Add(a["name"], a["value"])
	case tag == "input" && typ == "radio" && strings.HasPrefix(a["name"], "slot."):
		id := strings.TrimPrefix(a["name"], "slot.")
		if len(c.Slots) == 0 || c.Slots[len(c.Slots)-1].ID != id {
			c.Slots = append(c.Slots, SlotChoice{ID: id})
		}
		s := &c.Slots[len(c.Slots)-1]
		s.ASINs = append(s.ASINs, a["value"])
		if _, checked := a["checked"]; checked && s.Chosen == "" {
			s.Chosen = a["value"]
		}
	}
}

// parseAttrs returns the attributes of one start tag, names lower-cased
// and values unescaped.
func parseAttrs(tag string) map[string]string {
	tag = strings.TrimSuffix(strings.TrimSuffix(tag, ">"), "/")
	if i := strings.IndexAny(tag, " \t\r\n"); i >= 0 {
		tag = tag[i:]
	} else {
		return map[string]string{}
	}
	m := map[string]string{}
	for _, a := range attrRE.FindAllStringSubmatch(tag, -1) {
		m[strings.ToLower(a[1])] = html.UnescapeString(a[2] + a[3] + a[4])
	}
	return m
}

// Answer submits the consent form found on p with decision ("allow" or
// "deny") and returns the form and the page the Browser lands on.
func (b *Browser) Answer(ctx context.Context, p *Page, decision string) (*Consent, *Page, error) {
	c, err := ParseConsent(p)
	if err != nil {
		return nil, nil, err
	}
	next, err := b.Post(ctx, c.Action, c.Values(decision))
	return c, next, err
}

// Link opens start (an agent's login route or an LWA authorize URL), answers
// the consent page with decision ("allow" or "deny") and returns the page
// the Browser lands on.
func (b *Browser) Link(ctx context.Context, start, decision string) (*Page, error) {
	p, err := b.Get(ctx, start)
	if err != nil {
		return nil, err
	}
	_, next, err := b.Answer(ctx, p, decision)
	return next, err
}
