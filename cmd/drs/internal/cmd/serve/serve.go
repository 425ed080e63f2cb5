// Package serve implements drs serve: the fleet server (package fleet),
// configured from flags and the environment as docs/serve.md describes, and its
// --sim try-out.
package serve

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/amazondrs/drs/fleet"
	"github.com/amazondrs/drs/fleet/db"
	"github.com/amazondrs/drs/fleet/jobs"
	"github.com/amazondrs/drs/store"
	"github.com/spf13/cobra"
)

// Environment variables drs serve reads besides the global ones.
const (
	EnvAdminToken = cmdutil.EnvAdminToken
	EnvDB         = cmdutil.EnvDB
)

// Options are the inputs of drs serve.
type Options struct {
	Factory     *cmdutil.Factory
	Listen      string
	AdminListen string
	PublicURL   string
	DB          string
	SNSTopics   []string
	TLSCert     string
	TLSKey      string
	Sim         bool
	dbChanged   bool
}

// NewCmdServe returns the serve command and its migrate subcommand.
func NewCmdServe(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	// DRS_DB and DRS_ADMIN_TOKEN are among f.Secrets already; --db too.
	f.AddSecrets(func() []string { return cmdutil.SpecSecrets(strings.TrimSpace(opts.DB)) })
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the fleet server: many devices, one database",
		Long: `Serve the fleet server (docs/serve.md) until SIGTERM or Ctrl+C: the device API
and health on --listen, the admin API and /metrics on --admin-listen.

State lives in --db (or DRS_DB): sqlite:PATH (the default is fleet.db under
the user's data directory); one drs serve per SQLite file. The schema is
migrated at start. Secrets come from the environment only: DRS_ADMIN_TOKEN
(the admin API's Bearer token), DRS_STORE_KEY (encrypts tokens at rest;
make one with "openssl rand -base64 32"), DRS_STORE_PREVIOUS_KEYS,
DRS_CLIENT_ID and DRS_CLIENT_SECRET (not needed with --emulator).

On SIGTERM it stops taking requests, lets those in flight finish within
20 seconds, stops its jobs and exits 0. Logs are JSON lines on stderr.

--sim runs an emulator in the same process and a throw-away SQLite database,
provisions a demo device and prints the admin token, the device token, the
link URL (linking arrives in the next step) and curl lines to try.`,
		Example: `  drs serve --sim
  DRS_ADMIN_TOKEN=... DRS_STORE_KEY=... drs serve --emulator 127.0.0.1:8181
  drs serve --db sqlite:/var/lib/drs/fleet.db --public-url https://drs.example.com`,
		Args: cmdutil.ExactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.dbChanged = cmd.Flags().Changed("db")
			return cmdutil.Run(cmd, opts, runF, Run)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Listen, "listen", fleet.DefaultListen, "host:port of the public listener (device API, /livez, /readyz)")
	fl.StringVar(&opts.AdminListen, "admin-listen", fleet.DefaultAdminListen, "host:port of the admin listener (admin API, /metrics)")
	fl.StringVar(&opts.PublicURL, "public-url", "", "URL browsers and Amazon reach (default http://<listen> on loopback; required otherwise)")
	cmd.PersistentFlags().StringVar(&opts.DB, "db", "", "database: "+db.Forms+" (env "+EnvDB+")")
	fl.StringArrayVar(&opts.SNSTopics, "sns-topic-arn", nil, "SNS topic whose notifications are accepted (repeatable; refused until SNS arrives)")
	_ = fl.MarkHidden("sns-topic-arn") // the fleet contract names it; refused until the SNS step
	fl.StringVar(&opts.TLSCert, "tls-cert", "", "TLS certificate file (optional: a proxy usually terminates TLS)")
	fl.StringVar(&opts.TLSKey, "tls-key", "", "TLS key file")
	fl.BoolVar(&opts.Sim, "sim", false, "try-out: an in-process emulator, a temporary database and a demo device")
	cmd.AddCommand(newCmdMigrate(f, opts))
	return cmd
}

func newCmdMigrate(f *cmdutil.Factory, parent *Options) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Migrate the fleet database's schema and exit",
		Args:  cmdutil.ExactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			parent.dbChanged = cmd.Flags().Changed("db")
			spec, err := dbSpec(parent)
			if err != nil {
				return err
			}
			d, err := db.Open(cmd.Context(), spec)
			if err != nil {
				return err
			}
			defer d.Close()
			if err := jobs.Migrate(cmd.Context(), d.SQL); err != nil {
				return err
			}
			cmdutil.Fprintf(f.IO.Out, "%s: schema version %d\n", spec, db.SchemaVersion())
			return nil
		},
	}
}

// dbSpec parses --db, else DRS_DB, else the default file.
func dbSpec(opts *Options) (db.Spec, error) {
	v := opts.DB
	if !opts.dbChanged && opts.Factory.Getenv != nil {
		v = opts.Factory.Getenv(EnvDB)
	}
	spec, err := db.ParseSpec(strings.TrimSpace(v))
	if err != nil {
		return db.Spec{}, cmdutil.FlagErrorf("--db: %v", err)
	}
	return spec, nil
}

// Run serves until ctx ends.
func Run(ctx context.Context, opts *Options) error {
	if len(opts.SNSTopics) > 0 {
		return cmdutil.FlagErrorf("--sns-topic-arn: SNS arrives in a later step; this drs serve does not take notifications yet")
	}
	if opts.Sim {
		return runSim(ctx, opts)
	}
	cfg, err := config(opts)
	if err != nil {
		return err
	}
	srv, err := fleet.New(ctx, cfg)
	if err != nil {
		return err
	}
	cmdutil.Fprintf(opts.Factory.IO.ErrOut, "drs serve: devices on %s, admin on http://%s, public URL %s\n", srv.Addr(), srv.AdminAddr(), srv.PublicURL())
	return srv.Run(ctx)
}

// config builds the server's configuration outside --sim, where every
// secret must come from the environment.
func config(opts *Options) (fleet.Config, error) {
	f := opts.Factory
	getenv := func(k string) string {
		if f.Getenv == nil {
			return ""
		}
		return strings.TrimSpace(f.Getenv(k))
	}
	spec, err := dbSpec(opts)
	if err != nil {
		return fleet.Config{}, err
	}
	admin := getenv(EnvAdminToken)
	if admin == "" {
		return fleet.Config{}, cmdutil.FlagErrorf("%s is not set: the admin API needs a token; make one with: openssl rand -base64 32", EnvAdminToken)
	}
	if len(admin) < 16 {
		return fleet.Config{}, cmdutil.FlagErrorf("%s is too short: use at least 16 characters, e.g. openssl rand -base64 32", EnvAdminToken)
	}
	if err := storeKeys(getenv); err != nil {
		return fleet.Config{}, err
	}
	if _, _, err := f.Credentials(); err != nil {
		return fleet.Config{}, err
	}
	return fleet.Config{
		DB: spec, Listen: opts.Listen, AdminListen: opts.AdminListen, PublicURL: opts.PublicURL,
		AdminToken: admin, TLSCert: opts.TLSCert, TLSKey: opts.TLSKey, Logger: logger(f),
	}, nil
}

// storeKeys checks DRS_STORE_KEY and DRS_STORE_PREVIOUS_KEYS. Tokens are
// stored from the next step on; the key is required now so that a
// database never holds tokens under an ephemeral key.
func storeKeys(getenv func(string) string) error {
	k := getenv(cmdutil.EnvStoreKey)
	if k == "" {
		return cmdutil.FlagErrorf("%s is not set: tokens are encrypted at rest and an ephemeral key would lock every token out after a restart; make one with: openssl rand -base64 32", cmdutil.EnvStoreKey)
	}
	if _, err := store.ParseEncryptionKey(k); err != nil {
		return cmdutil.FlagErrorf("%s: %v", cmdutil.EnvStoreKey, err)
	}
	for i, pk := range strings.Split(getenv(cmdutil.EnvStorePreviousKeys), ",") {
		if pk = strings.TrimSpace(pk); pk == "" {
			continue
		}
		if _, err := store.ParseEncryptionKey(pk); err != nil {
			return cmdutil.FlagErrorf("%s: key %d: %v", cmdutil.EnvStorePreviousKeys, i+1, err)
		}
	}
	return nil
}

func logger(f *cmdutil.Factory) *slog.Logger {
	level := slog.LevelInfo
	if f.Global.Debug {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewJSONHandler(f.IO.ErrOut, &slog.HandlerOptions{Level: level}))
}

var errSim = errors.New("--sim makes its own database, emulator and secrets")

func checkSimFlags(opts *Options) error {
	if opts.dbChanged || opts.PublicURL != "" {
		return cmdutil.FlagErrorf("%v: drop --db and --public-url (--emulator and DRS_EMULATOR_HOST are ignored)", errSim)
	}
	return nil
}
