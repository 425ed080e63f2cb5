package drssim

import "github.com/amazondrs/drs/internal/consentbrowser"

// This file keeps the old names of the scripted browser, which now lives in
// drssimtest, only until the login tests that still use them are renamed
// (drssim.NewBrowser to drssimtest.NewBrowser, and so on); it is then
// deleted. New code uses drssimtest.

// Browser is drssimtest.Browser, under its old name.
type Browser = consentbrowser.Browser

// Page is drssimtest.Page, under its old name.
type Page = consentbrowser.Page

// NewBrowser is drssimtest.NewBrowser, under its old name.
func NewBrowser(stopAt string) *Browser { return consentbrowser.New(stopAt) }
