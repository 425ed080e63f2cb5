package drssim

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/amazondrs/drs/sns"
)

// Defaults of [SNSConfig].
const (
	// DefaultSNSRegion is the AWS region named in topic ARNs and in the
	// Amazon-style URLs of SNS messages.
	DefaultSNSRegion = "us-east-1"
	// DefaultSNSAccount is the AWS account ID of the emulator's topics.
	DefaultSNSAccount = "123456789012"
	// DefaultSNSRetries is how many times a failed delivery is retried
	// (SNS's default policy for HTTP(S) endpoints: AWS's "Delivery retries"
	// page, listed in docs/wire.md, "Sources").
	DefaultSNSRetries = 3
	// DefaultSNSRetryDelay is the wait between attempts, on the wall clock.
	DefaultSNSRetryDelay = 20 * time.Second
	// maxSNSRetryDelay bounds RetryDelay: SNS retries for at most an hour.
	maxSNSRetryDelay = time.Hour
	// maxSNSRetries bounds Retries.
	maxSNSRetries = 100
)

// SNSConfig configures the emulator's SNS notifications. The zero value
// means the defaults.
type SNSConfig struct {
	// Region is the AWS region of the topics; "" means DefaultSNSRegion.
	Region string
	// Account is the 12-digit AWS account ID of the topics; "" means
	// DefaultSNSAccount.
	Account string
	// Retries is how many times a failed delivery is sent again; 0 means
	// DefaultSNSRetries and a negative value none.
	Retries int
	// RetryDelay is the wait between attempts (wall clock); 0 means
	// DefaultSNSRetryDelay. Tests shorten it. In JSON a Go duration string
	// such as "20s".
	RetryDelay time.Duration
}

// WithSNSSigningKey makes the Server sign SNS messages with key (RSA, at
// least 2048 bits) and a self-signed certificate for it. Without it, the
// Server uses a key made on the first subscription and shared with every
// Server of the process, so that Servers stay cheap to create.
func WithSNSSigningKey(key *rsa.PrivateKey) Option {
	return func(s *Server) { s.snsKey = key }
}

// snsConfigJSON is SNSConfig's JSON form.
type snsConfigJSON struct {
	Region     string `json:"region,omitempty"`
	Account    string `json:"account,omitempty"`
	Retries    int    `json:"retries,omitempty"`
	RetryDelay string `json:"retry_delay,omitempty"`
}

// MarshalJSON encodes c with RetryDelay as a Go duration string; the
// signing key is left out.
func (c SNSConfig) MarshalJSON() ([]byte, error) {
	j := snsConfigJSON{Region: c.Region, Account: c.Account, Retries: c.Retries}
	if c.RetryDelay != 0 {
		j.RetryDelay = c.RetryDelay.String()
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes c, rejecting unknown fields; retry_delay must be a
// Go duration string such as "20s".
func (c *SNSConfig) UnmarshalJSON(data []byte) error {
	var j snsConfigJSON
	if err := decodeStrict(bytes.NewReader(data), &j); err != nil {
		return err
	}
	d, err := durationField("retry_delay", j.RetryDelay, "20s")
	if err != nil {
		return err
	}
	*c = SNSConfig{Region: j.Region, Account: j.Account, Retries: j.Retries, RetryDelay: d}
	return nil
}

// validate reports the first problem in c, naming the field.
func (c SNSConfig) validate() error {
	switch {
	case c.Region != "" && !sns.IsSNSHost("sns."+c.Region+".amazonaws.com"):
		return fmt.Errorf("region: %q is not an AWS region such as us-east-1", c.Region)
	case c.Account != "" && (len(c.Account) != 12 || strings.Trim(c.Account, "0123456789") != ""):
		return fmt.Errorf("account: %q is not a 12-digit AWS account ID", c.Account)
	case c.Retries > maxSNSRetries:
		return fmt.Errorf("retries: %d, at most %d allowed", c.Retries, maxSNSRetries)
	case c.RetryDelay < 0 || c.RetryDelay > maxSNSRetryDelay:
		return fmt.Errorf("retry_delay: %s is not between 0 and %s", c.RetryDelay, maxSNSRetryDelay)
	}
	return nil
}

// withDefaults fills c's zero fields.
func (c SNSConfig) withDefaults() SNSConfig {
	if c.Region == "" {
		c.Region = DefaultSNSRegion
	}
	if c.Account == "" {
		c.Account = DefaultSNSAccount
	}
	switch {
	case c.Retries == 0:
		c.Retries = DefaultSNSRetries
	case c.Retries < 0:
		c.Retries = 0
	}
	if c.RetryDelay == 0 {
		c.RetryDelay = DefaultSNSRetryDelay
	}
	return c
}

// snsSigner is a signing key and its self-signed certificate.
type snsSigner struct {
	key     *rsa.PrivateKey
	cert    *x509.Certificate
	pem     []byte
	pemName string // SimpleNotificationService-<hex>.pem, as Amazon names them
}

// processSigner is the key shared by every Server without one in its
// config, made on the first subscription.
var processSigner = sync.OnceValues(func() (*snsSigner, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("drssim: making the SNS signing key: %w", err)
	}
	return newSigner(key)
})

// newSigner makes a self-signed certificate for key. It is valid from 1999
// to 2100, so that a receiver on any plausible clock (testing/synctest's
// starts in 2000) accepts it.
func newSigner(key *rsa.PrivateKey) (*snsSigner, error) {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "sns.amazonaws.com", Organization: []string{"drssim emulator"}},
		NotBefore:    time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("drssim: SNS signing certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("drssim: SNS signing certificate: %w", err)
	}
	sum := sha256.Sum256(der)
	return &snsSigner{key: key, cert: cert,
		pem:     pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pemName: "SimpleNotificationService-" + hex.EncodeToString(sum[:16]) + ".pem"}, nil
}

// signer returns the Server's signer, making it on first use.
func (h *snsHub) signer() (*snsSigner, error) {
	h.signerOnce.Do(func() {
		if h.key != nil {
			h.sig, h.sigErr = newSigner(h.key)
			return
		}
		h.sig, h.sigErr = processSigner()
	})
	if h.sigErr != nil {
		return nil, h.sigErr
	}
	if h.sig == nil {
		return nil, errors.New("drssim: no SNS signing key")
	}
	return h.sig, nil
}
