package drssim

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
)

// Browser plays a customer's web browser over plain HTTP, for tests and the
// demo: it follows redirects, reads the emulator's consent page and submits
// it, exactly as a person clicking through would. It runs no JavaScript and
// understands only the consent page's markup.
type Browser struct {
	// HTTP sends the requests; NewBrowser gives it a cookie jar.
	HTTP *http.Client
}

// NewBrowser returns a Browser with a cookie jar.
func NewBrowser() *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{HTTP: &http.Client{Jar: jar}}
}

// Page is a page the Browser landed on after following redirects.
type Page struct {
	URL    *url.URL
	Status int
	Body   string
}

// Open GETs u, following redirects.
func (b *Browser) Open(ctx context.Context, u string) (*Page, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	return b.do(req)
}

func (b *Browser) do(req *http.Request) (*Page, error) {
	resp, err := b.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	return &Page{URL: resp.Request.URL, Status: resp.StatusCode, Body: string(body)}, nil
}

// ConsentForm is the form of a consent page.
type ConsentForm struct {
	// Action is the absolute URL the form posts to.
	Action string
	// Hidden holds the hidden fields.
	Hidden url.Values
	// Choices maps each slot ID to the ASINs offered for it, in page order.
	Choices map[string][]string
	// Selected maps each slot ID to the ASIN checked by default.
	Selected map[string]string
}

var (
	formRe  = regexp.MustCompile(`<form\s[^>]*id="consent"[^>]*>`)
	inputRe = regexp.MustCompile(`<input\s[^>]*>`)
	attrRe  = regexp.MustCompile(`([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="([^"]*)")?`)
)

func attrs(tag string) map[string]string {
	m := map[string]string{}
	for _, a := range attrRe.FindAllStringSubmatch(strings.TrimSuffix(strings.TrimPrefix(tag, "<"), ">"), -1) {
		m[strings.ToLower(a[1])] = html.UnescapeString(a[2])
	}
	return m
}

// ParseConsent reads the consent form of p, or says why p is not a consent
// page (for instance an error page of the emulator).
func ParseConsent(p *Page) (*ConsentForm, error) {
	ft := formRe.FindString(p.Body)
	if ft == "" {
		return nil, fmt.Errorf("page %s (HTTP %d) has no consent form", p.URL.Redacted(), p.Status)
	}
	action, err := p.URL.Parse(attrs(ft)["action"])
	if err != nil {
		return nil, fmt.Errorf("consent form action: %w", err)
	}
	f := &ConsentForm{Action: action.String(), Hidden: url.Values{}, Choices: map[string][]string{}, Selected: map[string]string{}}
	for _, tag := range inputRe.FindAllString(p.Body, -1) {
		a := attrs(tag)
		switch a["type"] {
		case "hidden":
			f.Hidden.Add(a["name"], a["value"])
		case "radio":
			slot, ok := strings.CutPrefix(a["name"], "slot.")
			if !ok {
				continue
			}
			f.Choices[slot] = append(f.Choices[slot], a["value"])
			if _, checked := a["checked"]; checked {
				f.Selected[slot] = a["value"]
			}
		}
	}
	return f, nil
}

// Submit posts the form with decision "allow" or "deny"; choices override
// the default product of some slots (slot ID to ASIN). It follows the
// redirect back to the agent and returns the page it lands on.
func (b *Browser) Submit(ctx context.Context, f *ConsentForm, decision string, choices map[string]string) (*Page, error) {
	v := url.Values{}
	for k, vs := range f.Hidden {
		v[k] = append([]string(nil), vs...)
	}
	for slot, asin := range f.Selected {
		v.Set("slot."+slot, asin)
	}
	for slot, asin := range choices {
		v.Set("slot."+slot, asin)
	}
	v.Set("decision", decision)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.Action, strings.NewReader(v.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// Link opens loginURL (an agent's login route, or an LWA authorize URL),
// answers the consent page with decision, and returns the page the browser
// finally lands on.
func (b *Browser) Link(ctx context.Context, loginURL, decision string, choices map[string]string) (*Page, error) {
	p, err := b.Open(ctx, loginURL)
	if err != nil {
		return nil, err
	}
	f, err := ParseConsent(p)
	if err != nil {
		return nil, err
	}
	return b.Submit(ctx, f, decision, choices)
}
