// Package cmdutil holds what the drs commands share: the Factory that builds
// clients and stores from the global flags and the environment, the
// IOStreams, usage errors and exit statuses, and output helpers.
package cmdutil

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/cmd/drs/internal/browser"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/store"
	"github.com/spf13/pflag"
)

// Environment variables the drs command reads.
const (
	EnvClientID     = "DRS_CLIENT_ID"
	EnvClientSecret = "DRS_CLIENT_SECRET"
	EnvModel        = "DRS_DEVICE_MODEL"
	EnvSerial       = "DRS_DEVICE_SERIAL"
	EnvRefreshToken = "DRS_REFRESH_TOKEN"
	EnvStore        = "DRS_STORE"
	EnvStoreKey     = "DRS_STORE_KEY" // optional key encrypting refresh tokens at rest
	// EnvStorePreviousKeys lists, comma-separated, older keys that still
	// open tokens while DRS_STORE_KEY encrypts new saves (key rotation).
	EnvStorePreviousKeys = "DRS_STORE_PREVIOUS_KEYS"
	EnvEmulatorHost      = drs.EmulatorHostEnv
	// EnvDB is the fleet database spec of drs serve (its --db).
	EnvDB = "DRS_DB"
	// EnvAdminToken is drs serve's admin API token.
	EnvAdminToken = "DRS_ADMIN_TOKEN"
)

// IOStreams are the command's standard streams. Results go to Out,
// progress, prompts, warnings and errors to ErrOut.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// Store is what the CLI needs of a token store.
type Store interface {
	store.TokenStore
	io.Closer
}

// GlobalOptions are the values of the root command's persistent flags.
type GlobalOptions struct {
	ClientID     string
	ClientSecret string
	Model        string
	Serial       string
	Store        string
	Emulator     string
	JSON         bool
	Debug        bool
}

// Factory gives commands their side effects: streams, environment, clock,
// browser and stores. Tests replace any of them.
type Factory struct {
	IO      IOStreams
	Getenv  func(string) string
	Now     func() time.Time
	Browser browser.Browser
	// OpenStore opens a token store from a --store spec.
	OpenStore func(ctx context.Context, spec string) (Store, error)
	// OpenPlainStore opens the store without DRS_STORE_KEY's encryption:
	// drs token reencrypt reads a plaintext token through it.
	OpenPlainStore func(ctx context.Context, spec string) (Store, error)
	// UserConfigDir is os.UserConfigDir; the CLI's config file lives under
	// it (see ConfigPath). Nil: no config file.
	UserConfigDir func() (string, error)
	// StdinIsTerminal reports whether standard input is a terminal. Nil:
	// it is not.
	StdinIsTerminal func() bool

	Global      GlobalOptions
	flags       *pflag.FlagSet
	moreSecrets []func() []string
}

// AddGlobalFlags binds the global flags to f.Global.
func (f *Factory) AddGlobalFlags(fs *pflag.FlagSet) {
	g := &f.Global
	fs.StringVar(&g.ClientID, "client-id", "", "LWA client ID of the security profile (env "+EnvClientID+")")
	fs.StringVar(&g.ClientSecret, "client-secret", "", "LWA client secret (env "+EnvClientSecret+"; prefer the environment)")
	fs.StringVar(&g.Model, "model", "", "DRS device model ID (env "+EnvModel+")")
	fs.StringVar(&g.Serial, "serial", "", "device serial number (env "+EnvSerial+")")
	fs.StringVar(&g.Store, "store", "", "token store: file:PATH, sqlite:PATH or postgres://... (env "+EnvStore+"; default: a file under the user's config directory)")
	fs.StringVar(&g.Emulator, "emulator", "", "host:port of a drs emulator to talk to instead of Amazon (env "+EnvEmulatorHost+")")
	fs.BoolVar(&g.JSON, "json", false, "print machine-readable JSON")
	fs.BoolVar(&g.Debug, "debug", false, "log the library's requests to stderr (tokens are never logged)")
	f.flags = fs
}

// value returns the flag's value if it was given, else the environment's.
func (f *Factory) value(flag, v, env string) string {
	if f.flags != nil && f.flags.Changed(flag) {
		return strings.TrimSpace(v)
	}
	return strings.TrimSpace(f.getenv(env))
}

func (f *Factory) getenv(k string) string {
	if f.Getenv == nil {
		return ""
	}
	return f.Getenv(k)
}

// NowTime returns the current time from f.Now.
func (f *Factory) NowTime() time.Time {
	if f.Now == nil {
		return time.Now()
	}
	return f.Now()
}

// EmulatorHost returns the emulator's host:port from --emulator or
// DRS_EMULATOR_HOST, or "".
func (f *Factory) EmulatorHost() string {
	return f.value("emulator", f.Global.Emulator, EnvEmulatorHost)
}

// ClientID returns the LWA client ID: --client-id, DRS_CLIENT_ID, or the
// emulator's default when an emulator is used and no credentials are given.
func (f *Factory) ClientID() (string, error) {
	id, _, err := f.credentials(false)
	return id, err
}

// Credentials returns the LWA client ID and secret: from the flags, the
// environment, or, when an emulator is used and neither is given, the
// emulator's ready-made security profile.
func (f *Factory) Credentials() (id, secret string, err error) {
	return f.credentials(true)
}

func (f *Factory) credentials(needSecret bool) (string, string, error) {
	id := f.value("client-id", f.Global.ClientID, EnvClientID)
	secret := f.value("client-secret", f.Global.ClientSecret, EnvClientSecret)
	if err := f.CheckEmulatorHost(); err != nil {
		return "", "", err
	}
	if id == "" && secret == "" && f.EmulatorHost() != "" {
		return drssim.DefaultClientID, drssim.DefaultClientSecret, nil
	}
	switch {
	case id == "" && (secret == "" || !needSecret):
		return "", "", FlagErrorf("missing client credentials: give --client-id and --client-secret, or set %s and %s (with --emulator or %s, the emulator's defaults are used)", EnvClientID, EnvClientSecret, EnvEmulatorHost)
	case id == "":
		return "", "", FlagErrorf("missing client ID: give --client-id or set %s", EnvClientID)
	case secret == "" && needSecret:
		return "", "", FlagErrorf("missing client secret: set %s (or give --client-secret)", EnvClientSecret)
	}
	return id, secret, nil
}

// Model returns the device model: --model, DRS_DEVICE_MODEL, the
// remembered device's, or the emulator's default model when an emulator is
// used (see [Factory.DeviceName]).
func (f *Factory) Model() string { return f.DeviceName().Model }

// Serial returns the device serial: --serial, DRS_DEVICE_SERIAL or the
// remembered device's (see [Factory.DeviceName]).
func (f *Factory) Serial() string { return f.DeviceName().Serial }

// StoreSpec returns the token store spec: --store, DRS_STORE or "" (the
// default file).
func (f *Factory) StoreSpec() string {
	return f.value("store", f.Global.Store, EnvStore)
}

// EnvRefreshToken returns DRS_REFRESH_TOKEN, which overrides the store.
func (f *Factory) EnvRefreshToken() string {
	return strings.TrimSpace(f.getenv(EnvRefreshToken))
}

// Logger returns the debug logger: text to ErrOut at level Debug.
func (f *Factory) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(f.IO.ErrOut, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// NewClient returns a drs.Client for the resolved credentials and
// endpoints, logging to ErrOut when --debug is given. It never reads the
// library's own environment: the emulator host is resolved here.
func (f *Factory) NewClient(onChange func(drs.Token), extra ...drs.Option) (*drs.Client, error) {
	id, secret, err := f.Credentials()
	if err != nil {
		return nil, err
	}
	ep := drs.NAEndpoints
	if h := f.EmulatorHost(); h != "" {
		ep = drs.EmulatorEndpoints(h)
	}
	opts := []drs.Option{drs.WithEndpoints(ep), drs.WithLogger(f.Logger()), drs.WithDebug(f.Global.Debug)}
	if onChange != nil {
		opts = append(opts, drs.WithTokenChange(onChange))
	}
	return drs.New(id, secret, append(opts, extra...)...)
}
