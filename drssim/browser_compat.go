package drssim

import "github.com/amazondrs/drs/internal/consentbrowser"

// This file keeps the old names of the scripted browser, now in drssimtest,
// only until the login tests that still use them are renamed; it is then
// deleted.

// Browser is the scripted browser.
//
// Deprecated: use drssimtest.Browser.
type Browser = consentbrowser.Browser

// Page is a page the Browser landed on.
//
// Deprecated: use drssimtest.Page.
type Page = consentbrowser.Page

// NewBrowser returns a Browser.
//
// Deprecated: use drssimtest.NewBrowser.
func NewBrowser(stopAt string) *Browser { return consentbrowser.New(stopAt) }
