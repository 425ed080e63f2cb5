package sns

import (
	"fmt"
	"net/url"
	"strings"
)

// CheckCertURL reports whether raw may be a SigningCertURL of Amazon SNS:
// https, host sns.<region>.amazonaws.com or sns.<region>.amazonaws.com.cn
// (no port, no user info), path ending ".pem", no query or fragment. It is
// checked before any fetch, whatever the [CertSource].
func CheckCertURL(raw string) error {
	u, err := checkSNSURL("SigningCertURL", raw)
	if err != nil {
		return err
	}
	if !strings.HasSuffix(u.Path, ".pem") || u.RawQuery != "" || u.ForceQuery {
		return fmt.Errorf("sns: SigningCertURL %q: path does not end in .pem", clip(raw))
	}
	return nil
}

// CheckSubscribeURL reports whether raw may be an SNS SubscribeURL: https
// and an SNS host, as for [CheckCertURL], with any path and query.
func CheckSubscribeURL(raw string) error {
	_, err := checkSNSURL("SubscribeURL", raw)
	return err
}

// checkSNSURL parses raw and checks its scheme and host. Anything a parser
// might read differently (user info, a port, a fragment, backslashes or
// spaces, an opaque form, percent-encoding in the host) is refused: the
// authority as written must be exactly an SNS host.
func checkSNSURL(field, raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("sns: no %s", field)
	}
	bad := func(why string) error { return fmt.Errorf("sns: %s %q: %s", field, clip(raw), why) }
	if strings.ContainsAny(raw, "\\ \t\r\n") {
		return nil, bad("unexpected character")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, bad("not a URL")
	}
	rest, _ := strings.CutPrefix(raw, "https://")
	authority := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority = rest[:i]
	}
	switch {
	case u.Scheme != "https" || !strings.HasPrefix(raw, "https://"):
		return nil, bad("scheme is not https")
	case u.Opaque != "" || u.User != nil || strings.Contains(authority, "@"):
		return nil, bad("has user info")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, bad("has a fragment")
	case strings.Contains(authority, ":"):
		return nil, bad("has a port")
	case authority != u.Host || !IsSNSHost(u.Host):
		return nil, bad("host is not sns.<region>.amazonaws.com")
	}
	return u, nil
}

// IsSNSHost reports whether host is sns.<region>.amazonaws.com or
// sns.<region>.amazonaws.com.cn, the region spelled as AWS spells regions:
// lower-case words joined by hyphens and ending in a number (us-east-1,
// cn-north-1, us-gov-west-1). AWS's own check (docs/wire.md, "The SNS envelope") accepts any
// three or more letters, digits or hyphens, which also admits
// sns.s3-us-west-2.amazonaws.com: the HTTPS host of an S3 bucket named
// "sns", whose owner could serve a certificate there. Any other
// *.amazonaws.com host is refused for the same reason.
func IsSNSHost(host string) bool {
	rest, ok := strings.CutPrefix(host, "sns.")
	if !ok {
		return false
	}
	region, ok := strings.CutSuffix(rest, ".amazonaws.com")
	if !ok {
		if region, ok = strings.CutSuffix(rest, ".amazonaws.com.cn"); !ok {
			return false
		}
	}
	return isRegion(region)
}

// isRegion reports whether r looks like an AWS region name: two or more
// hyphen-separated parts, all lower-case letters but the last, which is
// digits, and the first of exactly two letters ("us", "eu", "ap", "cn", ...).
// S3 endpoint labels ("s3-us-west-2", "s3-accelerate") fail it.
func isRegion(r string) bool {
	parts := strings.Split(r, "-")
	if len(parts) < 3 || len(parts[0]) != 2 {
		return false
	}
	for i, p := range parts {
		if p == "" {
			return false
		}
		last := i == len(parts)-1
		for _, c := range p {
			if last && !(c >= '0' && c <= '9') || !last && !(c >= 'a' && c <= 'z') {
				return false
			}
		}
	}
	return true
}
