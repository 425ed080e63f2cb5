package sns

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

const (
	// maxCertBytes caps a fetched PEM file (Amazon's are about 2 KiB).
	maxCertBytes = 64 << 10
	// maxCachedCerts caps the cache; SNS uses one certificate per region
	// at a time, so this is ample and keeps hostile URLs from growing it.
	maxCachedCerts = 64
	// certFetchTimeout bounds one fetch when the context has no deadline.
	certFetchTimeout = 5 * time.Second
)

// defaultCerts is the CertSource of a Verifier without one.
var defaultCerts = NewAmazonCerts(nil)

// AmazonCerts fetches SNS signing certificates over HTTPS and caches them
// by URL. Only URLs passing [CheckCertURL] are fetched; redirects are not
// followed. It is safe for concurrent use.
type AmazonCerts struct {
	client *http.Client
	mu     sync.Mutex
	cache  map[string]*x509.Certificate
}

// NewAmazonCerts returns an AmazonCerts that fetches with client (nil: a
// client of its own). The client's redirect policy is replaced by one that
// refuses redirects.
func NewAmazonCerts(client *http.Client) *AmazonCerts {
	c := &http.Client{Timeout: certFetchTimeout}
	if client != nil {
		cc := *client
		c = &cc
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &AmazonCerts{client: c, cache: make(map[string]*x509.Certificate)}
}

// Certificate returns the certificate at certURL, from the cache if it was
// fetched before and is still valid.
func (a *AmazonCerts) Certificate(ctx context.Context, certURL string) (*x509.Certificate, error) {
	if err := CheckCertURL(certURL); err != nil {
		return nil, err
	}
	a.mu.Lock()
	cert, ok := a.cache[certURL]
	a.mu.Unlock()
	if ok && time.Now().Before(cert.NotAfter) {
		return cert, nil
	}
	cert, err := a.fetch(ctx, certURL)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if len(a.cache) >= maxCachedCerts {
		clear(a.cache)
	}
	a.cache[certURL] = cert
	a.mu.Unlock()
	return cert, nil
}

func (a *AmazonCerts) fetch(ctx context.Context, certURL string) (*x509.Certificate, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, certURL, nil)
	if err != nil {
		return nil, fmt.Errorf("sns: SigningCertURL: %w", err)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCertUnavailable, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 500:
		return nil, fmt.Errorf("%w: %s answered %s", ErrCertUnavailable, req.URL.Host, resp.Status)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("sns: SigningCertURL answered %s", resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxCertBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCertUnavailable, err)
	}
	if len(b) > maxCertBytes {
		return nil, errors.New("sns: SigningCertURL: certificate file too large")
	}
	return ParseCertificatePEM(b)
}

// ParseCertificatePEM reads the first CERTIFICATE block of a PEM file, the
// form of Amazon's SigningCertURL files (the leaf only).
func ParseCertificatePEM(b []byte) (*x509.Certificate, error) {
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			return nil, errors.New("sns: no CERTIFICATE in PEM file")
		}
		if block.Type == "CERTIFICATE" {
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("sns: certificate: %w", err)
			}
			return cert, nil
		}
	}
}
