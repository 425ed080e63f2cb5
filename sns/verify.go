package sns

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// Defaults of a [Verifier].
const (
	// DefaultMaxAge is how old a message's Timestamp may be: SNS retries
	// for at most 3,600 s (AWS's "Delivery retries" page, listed in
	// docs/wire.md, "Sources"), plus 15 minutes for clock skew and the last
	// attempt.
	DefaultMaxAge = time.Hour + 15*time.Minute
	// MaxClockSkew is how far in the future a Timestamp may be.
	MaxClockSkew = 5 * time.Minute
)

// ErrCertUnavailable wraps a failure to get a signing certificate that says
// nothing about the message (a network error, Amazon answering 5xx): the
// message may be good, and SNS should send it again later.
var ErrCertUnavailable = errors.New("sns: signing certificate unavailable")

// A CertSource supplies the certificate that signs messages: it is the
// trust policy. [Verifier.Verify] calls it only for a SigningCertURL that
// passed [CheckCertURL]. [NewAmazonCerts] fetches Amazon's certificates;
// [TrustCertificate] trusts one given certificate (tests, the emulator).
type CertSource interface {
	// Certificate returns the certificate at certURL, or an error
	// wrapping ErrCertUnavailable if it cannot be had right now.
	Certificate(ctx context.Context, certURL string) (*x509.Certificate, error)
}

// TrustCertificate returns a CertSource that answers cert for every
// SigningCertURL and fetches nothing: messages signed with cert's key are
// trusted, all others refused. A sender using it (the emulator) still names
// a SigningCertURL of Amazon's form, which is checked as always.
func TrustCertificate(cert *x509.Certificate) CertSource { return trustedCert{cert} }

type trustedCert struct{ cert *x509.Certificate }

func (t trustedCert) Certificate(context.Context, string) (*x509.Certificate, error) {
	return t.cert, nil
}

// A Verifier checks that SNS sent a message. Its zero value fetches
// Amazon's certificates (one shared cache) and allows DefaultMaxAge.
type Verifier struct {
	// Certs is the trust policy; nil means Amazon's certificates.
	Certs CertSource
	// MaxAge is the oldest Timestamp accepted; 0 means DefaultMaxAge.
	MaxAge time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verify checks m: a known SignatureVersion ("1": RSA SHA1, "2": RSA
// SHA256), a SigningCertURL that passes [CheckCertURL] (before anything is
// fetched), a Timestamp no older than MaxAge and not in the future, a
// certificate valid now, and the Signature over [Message.StringToSign]. An
// error wrapping [ErrCertUnavailable] says only that the certificate could
// not be had; every other error refuses the message.
func (v *Verifier) Verify(ctx context.Context, m *Message) error {
	var hash crypto.Hash
	switch m.SignatureVersion {
	case "1":
		hash = crypto.SHA1
	case "2":
		hash = crypto.SHA256
	default:
		return fmt.Errorf("sns: unknown SignatureVersion %q", clip(m.SignatureVersion))
	}
	toSign, err := m.StringToSign()
	if err != nil {
		return err
	}
	sig, err := base64.StdEncoding.DecodeString(m.Signature)
	if err != nil {
		return errors.New("sns: Signature is not base64")
	}
	if err := CheckCertURL(m.SigningCertURL); err != nil {
		return err
	}
	now := v.now()
	ts, err := time.Parse(time.RFC3339Nano, m.Timestamp)
	if err != nil {
		return fmt.Errorf("sns: Timestamp %q is not RFC 3339", clip(m.Timestamp))
	}
	if age := now.Sub(ts); age > v.maxAge() {
		return fmt.Errorf("sns: message is stale: Timestamp %s is %s old (at most %s)", m.Timestamp, age.Round(time.Second), v.maxAge())
	} else if age < -MaxClockSkew {
		return fmt.Errorf("sns: Timestamp %s is in the future", m.Timestamp)
	}
	certs := v.Certs
	if certs == nil {
		certs = defaultCerts
	}
	cert, err := certs.Certificate(ctx, m.SigningCertURL)
	if err != nil {
		return err
	}
	if cert == nil {
		return fmt.Errorf("%w: no certificate", ErrCertUnavailable)
	}
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return errors.New("sns: signing certificate is not valid now")
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return errors.New("sns: signing certificate has no RSA key")
	}
	var digest []byte
	if hash == crypto.SHA1 {
		d := sha1.Sum(toSign)
		digest = d[:]
	} else {
		d := sha256.Sum256(toSign)
		digest = d[:]
	}
	if err := rsa.VerifyPKCS1v15(pub, hash, digest, sig); err != nil {
		return errors.New("sns: bad signature")
	}
	return nil
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) maxAge() time.Duration {
	if v.MaxAge > 0 {
		return v.MaxAge
	}
	return DefaultMaxAge
}
