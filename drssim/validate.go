package drssim

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// maxIDLen is the longest device model ID or serial LWA accepts
// (docs/wire.md, "LWA: the authorize step").
const maxIDLen = 64

// Validate reports the first problem in c, naming the field, for example
// `profiles[0].allowed_return_urls[1]: "ftp://x" is not an http(s) URL`.
// It does not fill defaults; an empty Profiles or Models is an error.
func (c Config) Validate() error {
	if len(c.Profiles) == 0 {
		return errors.New("profiles: at least one security profile is required")
	}
	seen := map[string]bool{}
	for i, p := range c.Profiles {
		if err := p.validate(); err != nil {
			return fmt.Errorf("profiles[%d].%w", i, err)
		}
		if seen[p.ClientID] {
			return fmt.Errorf("profiles[%d].client_id: duplicate %q", i, p.ClientID)
		}
		seen[p.ClientID] = true
	}
	if len(c.Models) == 0 {
		return errors.New("models: at least one device model is required")
	}
	seen = map[string]bool{}
	for i, m := range c.Models {
		if err := m.validate(); err != nil {
			return fmt.Errorf("models[%d].%w", i, err)
		}
		if seen[m.ID] {
			return fmt.Errorf("models[%d].id: duplicate %q", i, m.ID)
		}
		seen[m.ID] = true
	}
	if err := c.SNS.validate(); err != nil {
		return fmt.Errorf("sns.%w", err)
	}
	return nil
}

func (p SecurityProfile) validate() error {
	switch {
	case p.ClientID == "":
		return errors.New("client_id: must not be empty")
	case len(p.ClientID) > 100:
		return fmt.Errorf("client_id: %d bytes, at most 100 allowed", len(p.ClientID))
	case strings.ContainsFunc(p.ClientID, isSpaceOrControl):
		return fmt.Errorf("client_id: %q contains white space or control characters", p.ClientID)
	case p.ClientSecret == "":
		return errors.New("client_secret: must not be empty")
	case len(p.AllowedReturnURLs) == 0:
		return errors.New("allowed_return_urls: at least one URL is required")
	}
	for i, raw := range p.AllowedReturnURLs {
		if _, err := parseReturnURL(raw); err != nil {
			return fmt.Errorf("allowed_return_urls[%d]: %w", i, err)
		}
	}
	return nil
}

func (m DeviceModel) validate() error {
	if err := checkDeviceID(m.ID); err != nil {
		return fmt.Errorf("id: %w", err)
	}
	if len(m.Slots) == 0 {
		return errors.New("slots: at least one slot is required")
	}
	seen := map[string]bool{}
	for i, s := range m.Slots {
		if err := s.validate(); err != nil {
			return fmt.Errorf("slots[%d].%w", i, err)
		}
		if seen[s.ID] {
			return fmt.Errorf("slots[%d].id: duplicate %q", i, s.ID)
		}
		seen[s.ID] = true
	}
	return nil
}

func (s Slot) validate() error {
	switch {
	case s.ID == "":
		return errors.New("id: must not be empty")
	case s.ID == "." || s.ID == "..":
		return fmt.Errorf("id: %q cannot be a URL path segment", s.ID)
	case len(s.ID) > 255:
		return fmt.Errorf("id: %d bytes, at most 255 allowed", len(s.ID))
	case strings.ContainsFunc(s.ID, isControl):
		return fmt.Errorf("id: %q contains control characters", s.ID)
	case len(s.Products) == 0:
		return errors.New("products: at least one product is required")
	}
	seen := map[string]bool{}
	for i, p := range s.Products {
		if err := p.validate(); err != nil {
			return fmt.Errorf("products[%d].%w", i, err)
		}
		if seen[p.ASIN] {
			return fmt.Errorf("products[%d].asin: duplicate %q", i, p.ASIN)
		}
		seen[p.ASIN] = true
	}
	return nil
}

func (p Product) validate() error {
	switch {
	case p.ASIN == "":
		return errors.New("asin: must not be empty")
	case len(p.ASIN) > 32 || strings.ContainsFunc(p.ASIN, isNotAlnum):
		return fmt.Errorf("asin: %q must be 1 to 32 letters and digits", p.ASIN)
	case p.Quantity < 1:
		return fmt.Errorf("quantity: must be at least 1, got %d", p.Quantity)
	case strings.TrimSpace(p.Unit) == "":
		return errors.New("unit: must not be empty")
	}
	return nil
}

// checkDeviceID checks a device model ID or serial against LWA's rule:
// 1 to 64 characters from [A-Za-z0-9-+_] (docs/wire.md, "LWA: the authorize step").
func checkDeviceID(s string) error {
	if s == "" {
		return errors.New("must not be empty")
	}
	for _, r := range s {
		if !isAlnum(r) && r != '-' && r != '+' && r != '_' {
			return fmt.Errorf("%q contains %q; only letters, digits, '-', '+' and '_' are allowed", s, r)
		}
	}
	if len(s) > maxIDLen { // the charset is ASCII: bytes are characters
		return fmt.Errorf("%d characters, at most %d allowed", len(s), maxIDLen)
	}
	return nil
}

// parseReturnURL checks that raw is an absolute http(s) URL without a
// fragment, as OAuth 2.0 requires of redirect URIs (RFC 6749 §3.1.2).
func parseReturnURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%q is not a URL", raw)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%q is not an http(s) URL", raw)
	case u.Host == "":
		return nil, fmt.Errorf("%q has no host", raw)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, fmt.Errorf("%q has a fragment", raw)
	case u.User != nil:
		return nil, fmt.Errorf("%q has user information", raw)
	}
	return u, nil
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

func isNotAlnum(r rune) bool { return !isAlnum(r) }

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func isSpaceOrControl(r rune) bool { return r == ' ' || isControl(r) }
