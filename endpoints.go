package drs

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
)

// Endpoints are the three URLs a Client talks to.
type Endpoints struct {
	// DRS is the base URL of the DRS REST API; endpoint paths are appended to it.
	DRS string
	// AuthURL is the LWA authorization page the customer's browser is sent to.
	AuthURL string
	// TokenURL is the LWA token endpoint.
	TokenURL string
}

// NAEndpoints are Amazon's North American endpoints, the default.
var NAEndpoints = Endpoints{
	DRS:      "https://dash-replenishment-service-na.amazon.com",
	AuthURL:  "https://www.amazon.com/ap/oa",
	TokenURL: "https://api.amazon.com/auth/o2/token",
}

// EUEndpoints are Amazon's European endpoints. Amazon documents no European
// DRS host, so DRS stays on the North American one; the LWA authorize host is
// inferred from the token host (drs-api.md §1, both marked GAP).
var EUEndpoints = Endpoints{
	DRS:      NAEndpoints.DRS,
	AuthURL:  "https://www.amazon.co.uk/ap/oa",
	TokenURL: "https://api.amazon.co.uk/auth/o2/token",
}

// FEEndpoints are Amazon's Far East endpoints, with the same caveats as
// [EUEndpoints].
var FEEndpoints = Endpoints{
	DRS:      NAEndpoints.DRS,
	AuthURL:  "https://www.amazon.co.jp/ap/oa",
	TokenURL: "https://api.amazon.co.jp/auth/o2/token",
}

// EmulatorHostEnv names the environment variable that points every endpoint
// at a local emulator when no endpoint option is given.
const EmulatorHostEnv = "DRS_EMULATOR_HOST"

// EmulatorEndpoints returns the endpoints of an emulator listening on
// hostport (for example "127.0.0.1:8181"): the same paths as Amazon's, on one
// plain-HTTP origin.
func EmulatorEndpoints(hostport string) Endpoints {
	base := "http://" + hostport
	return Endpoints{DRS: base, AuthURL: base + "/ap/oa", TokenURL: base + "/auth/o2/token"}
}

func (e Endpoints) validate() error {
	for _, f := range []struct{ name, v string }{{"DRS", e.DRS}, {"AuthURL", e.AuthURL}, {"TokenURL", e.TokenURL}} {
		u, err := url.Parse(f.v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("drs: endpoint %s %q is not an absolute http(s) URL", f.name, f.v)
		}
	}
	return nil
}

// defaultEndpoints returns the emulator's endpoints when $DRS_EMULATOR_HOST
// is set, else Amazon's North American ones. The variable must be a bare
// host:port, as its name says: "http://host:port" would otherwise become the
// host "http:".
func defaultEndpoints() (Endpoints, error) {
	h := strings.TrimSpace(os.Getenv(EmulatorHostEnv))
	if h == "" {
		return NAEndpoints, nil
	}
	if _, port, err := net.SplitHostPort(h); err != nil || port == "" || strings.ContainsAny(h, "/?#@") {
		return Endpoints{}, fmt.Errorf("drs: $%s is %q, want host:port such as 127.0.0.1:8181", EmulatorHostEnv, h)
	}
	ep := EmulatorEndpoints(h)
	if err := ep.validate(); err != nil {
		return Endpoints{}, fmt.Errorf("%w (from $%s)", err, EmulatorHostEnv)
	}
	return ep, nil
}
