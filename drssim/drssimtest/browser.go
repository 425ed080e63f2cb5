package drssimtest

import "github.com/amazondrs/drs/internal/consentbrowser"

// Browser is a minimal scripted browser that plays the customer in the
// device login flow: an http.Client with a cookie jar that follows
// redirects, reads the emulator's consent page and submits it.
type Browser = consentbrowser.Browser

// Page is a page the Browser landed on.
type Page = consentbrowser.Page

// Consent is the emulator's consent form as found on a page.
type Consent = consentbrowser.Consent

// SlotChoice is the radio group of one slot on the consent form.
type SlotChoice = consentbrowser.SlotChoice

// NewBrowser returns a Browser. When stopAt is not empty, the Browser does not
// follow a redirect to a URL starting with stopAt: the Page it returns is the
// redirect itself, with Location set (a "browser" whose callback address
// cannot be reached, as in drs login --paste). The Browser dials real
// addresses, so it reaches an emulator from [Start], not from
// [StartInMemory].
func NewBrowser(stopAt string) *Browser { return consentbrowser.New(stopAt) }

// ParseConsent finds the form with id "consent" on p.
func ParseConsent(p *Page) (*Consent, error) { return consentbrowser.ParseConsent(p) }
