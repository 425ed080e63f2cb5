package sns

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAmazonCertsFetchesOnceAndCaches(t *testing.T) {
	var hits atomic.Int32
	f := newFakeSNS(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write(signer().pem)
	})
	v := &Verifier{Certs: NewAmazonCerts(f.client)}
	for i, version := range []string{"1", "2", "2"} {
		m := signer().sign(t, notification("n-1", "{}"), version)
		if err := v.Verify(context.Background(), m); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("certificate fetched %d times, want 1", n)
	}
	if diff := cmp.Diff([]string{testCertURL}, f.requested()); diff != "" {
		t.Errorf("URLs fetched (-want +got):\n%s", diff)
	}
}

func TestAmazonCertsFailures(t *testing.T) {
	tests := []struct {
		name        string
		handler     http.HandlerFunc
		unavailable bool
		want        string
	}{
		{"5xx", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) }, true, "503"},
		{"404", http.NotFound, false, "404"},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://attacker.example/x.pem", http.StatusFound)
		}, false, "302"},
		{"not PEM", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("hello")) }, false, "no CERTIFICATE"},
		{"bad DER", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
		}, false, "certificate"},
		{"too large", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(strings.Repeat("x", maxCertBytes+1)))
		}, false, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSNS(t, tt.handler)
			_, err := NewAmazonCerts(f.client).Certificate(context.Background(), testCertURL)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Certificate = %v, want an error with %q", err, tt.want)
			}
			if errors.Is(err, ErrCertUnavailable) != tt.unavailable {
				t.Errorf("errors.Is(%v, ErrCertUnavailable) = %v, want %v", err, !tt.unavailable, tt.unavailable)
			}
			if got := f.requested(); len(got) != 1 {
				t.Errorf("requests %v, want one (no redirect followed)", got)
			}
		})
	}
}

func TestAmazonCertsChecksURL(t *testing.T) {
	f := newFakeSNS(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(signer().pem) })
	_, err := NewAmazonCerts(f.client).Certificate(context.Background(), "https://bucket.s3.amazonaws.com/x.pem")
	if err == nil {
		t.Fatal("fetched a certificate from an S3 bucket")
	}
	if got := f.requested(); len(got) != 0 {
		t.Errorf("requests %v, want none", got)
	}
}

func TestParseCertificatePEMSkipsOtherBlocks(t *testing.T) {
	b := append([]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), signer().pem...)
	cert, err := ParseCertificatePEM(b)
	if err != nil {
		t.Fatal(err)
	}
	if !cert.Equal(signer().cert) {
		t.Error("read another certificate")
	}
}
