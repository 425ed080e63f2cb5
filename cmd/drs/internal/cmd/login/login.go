// Package login implements drs login: the Login with Amazon device flow on
// a loopback listener, or finished from a pasted URL.
package login

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/amazondrs/drs/store"
	"github.com/spf13/cobra"
)

// DefaultRedirectURL is the return URL drs login listens on by default. The
// security profile must list it as an Allowed Return URL.
const DefaultRedirectURL = "http://127.0.0.1:8182/callback"

// Options are the inputs of drs login.
type Options struct {
	Factory *cmdutil.Factory

	Model, Serial string
	Test          bool
	NonLive       bool
	RedirectURL   string
	NoBrowser     bool
	Paste         bool
	Timeout       time.Duration

	redirect *url.URL
}

// NewCmdLogin returns the login command.
func NewCmdLogin(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "login --model M --serial S",
		Short: "Link a device to a customer's Amazon account",
		Long: `Link the device named by --model and --serial with Login with Amazon, and
store its refresh token.

drs login serves the login route on a loopback listener at --redirect-url,
prints the address to open and opens a browser when one is available. The
customer signs in, chooses a product per slot and allows; the browser comes
back to the route, which exchanges the code. --redirect-url must be an
Allowed Return URL of the security profile.

With --paste, nothing listens: drs login prints the Login with Amazon address,
and the customer pastes the address the browser landed on after allowing
(for a browser on another machine). Then --redirect-url may be any allowed
return URL.`,
		Example: `  drs login --model CoffeeMaker01 --serial S1 --test
  drs login --model CoffeeMaker01 --serial S1 --no-browser
  drs login --model CoffeeMaker01 --serial S1 --paste --redirect-url https://example.com/drs/callback`,
		Args: cmdutil.ExactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.validate(); err != nil {
				return err
			}
			return cmdutil.Run(cmd, opts, runF, Run)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Test, "test", false, "link as a test device: orders are test orders (nothing charged or shipped)")
	fl.BoolVar(&opts.NonLive, "non-live", false, "allow a device model that has not passed certification")
	fl.StringVar(&opts.RedirectURL, "redirect-url", DefaultRedirectURL, "return URL of the login route (an Allowed Return URL of the security profile; port 0 picks a free port)")
	fl.BoolVar(&opts.NoBrowser, "no-browser", false, "do not open a browser; only print the address")
	fl.BoolVar(&opts.Paste, "paste", false, "do not listen: read the address the browser landed on from standard input")
	fl.DurationVar(&opts.Timeout, "timeout", 5*time.Minute, "how long to wait for the customer")
	return cmd
}

// validate checks the flags.
func (opts *Options) validate() error {
	f := opts.Factory
	opts.Model, opts.Serial = f.Model(), f.Serial()
	if opts.Model == "" || opts.Serial == "" {
		return cmdutil.FlagErrorf("name the device with --model and --serial (or %s and %s)", cmdutil.EnvModel, cmdutil.EnvSerial)
	}
	if opts.Timeout <= 0 {
		return cmdutil.FlagErrorf("--timeout must be positive")
	}
	u, err := url.Parse(opts.RedirectURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return cmdutil.FlagErrorf("--redirect-url %q must be an absolute http(s) URL without query or fragment", opts.RedirectURL)
	}
	opts.redirect = u
	if opts.Paste {
		if u.Port() == "0" {
			return cmdutil.FlagErrorf("--redirect-url: port 0 needs a listener; give the exact return URL with --paste")
		}
		return nil
	}
	if u.Scheme != "http" || !isLoopback(u.Hostname()) {
		return cmdutil.FlagErrorf("--redirect-url %q: drs login can only listen on a plain-http loopback address (127.0.0.1, [::1] or localhost); use --paste to finish from the address the browser lands on", opts.RedirectURL)
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Result is the JSON output of drs login. It never holds a token.
type Result struct {
	Linked      bool   `json:"linked"`
	ClientID    string `json:"clientId"`
	DeviceModel string `json:"deviceModel"`
	Serial      string `json:"serial"`
	TestDevice  bool   `json:"testDevice"`
	NonLive     bool   `json:"nonLive"`
	Store       string `json:"store"`
}

// Run links the device.
func Run(ctx context.Context, opts *Options) error {
	f := opts.Factory
	id, _, err := f.Credentials() // first: missing credentials are a usage error
	if err != nil {
		return err
	}
	st, err := f.Store(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	key := store.Key{ClientID: id, DeviceModel: opts.Model, Serial: opts.Serial}
	// The new token must be storable before the customer is sent to Amazon:
	// a record the store cannot read (wrong key, damaged entry) would refuse
	// it after the consent, and the token would be lost. A plaintext record
	// under an encrypted store is fine: the save replaces it.
	if _, err := st.Load(ctx, key); err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrPlaintext) {
		return cmdutil.StoreReadError(err)
	}
	// The one way a token reaches the store: the library's WithTokenStore
	// saves it the moment the exchange brings it (and the login retries a
	// failed save, drs.ErrTokenNotSaved). replaceStore starts the Client
	// with no token: a login replaces whatever is stored.
	c, err := f.NewClient(nil, drs.WithTokenStore(replaceStore{st}, opts.Model, opts.Serial))
	if err != nil {
		return err
	}
	if _, err := link(ctx, opts, c); err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return waitErr(ctx, opts.Timeout)
		}
		if errors.Is(err, drs.ErrTokenNotSaved) {
			return &drs.Error{Code: drs.CodeGeneral, Message: "the device is linked, but its refresh token could not be stored (link it again once the store works)", Err: err}
		}
		return err
	}
	// Linked: report it even if the timeout or Ctrl+C came during the
	// exchange (Wait waited for it).
	out := Result{Linked: true, ClientID: id, DeviceModel: opts.Model, Serial: opts.Serial,
		TestDevice: opts.Test, NonLive: opts.NonLive, Store: f.StoreLocation(st)}
	return f.Print(out, func(w io.Writer) {
		cmdutil.Fprintf(w, "%s device linked: %s\n  refresh token saved in %s\n", cmdutil.Check, deviceText(opts), out.Store)
	})
}

// replaceStore is a token store for a login: it loads nothing (the Client
// starts without a token, whatever is stored) and saves to the store.
type replaceStore struct{ store.TokenStore }

func (replaceStore) Load(context.Context, store.Key) (string, error) { return "", store.ErrNotFound }

// waitErr turns the end of ctx into the error drs login reports.
func waitErr(ctx context.Context, timeout time.Duration) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &drs.Error{Code: drs.CodeTimeout, Op: "Login", Message: fmt.Sprintf("the device was not linked within %s (see --timeout)", timeout), Err: ctx.Err()}
	}
	return &drs.Error{Code: drs.CodeAborted, Op: "Login", Message: "login cancelled", Err: ctx.Err()}
}
