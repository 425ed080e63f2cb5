// Package token implements drs token.
package token

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/amazondrs/drs/store"
	"github.com/spf13/cobra"
)

// Options are the inputs of drs token.
type Options struct {
	Factory *cmdutil.Factory
	// Reveal prints the refresh token itself.
	Reveal bool
	// Delete removes the stored refresh token.
	Delete bool
	// Reencrypt loads the stored token and saves it again, encrypted with
	// the current DRS_STORE_KEY (after a key change).
	Reencrypt bool
}

// NewCmdToken returns the token command.
func NewCmdToken(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Show whether the device's refresh token is stored, and where",
		Long: `Show whether a refresh token is stored for the device named by --model and
--serial (and the client ID), in which store, and whether DRS_REFRESH_TOKEN
overrides it. The token itself is printed only with --reveal: it lets anyone
order on the customer's account.

--delete removes the stored token without contacting Amazon, even a record
that cannot be read (a damaged entry, or one encrypted with another key),
so that drs login can store a new one. The device stays linked to the
customer's account at Amazon: to unlink it, run drs deregister instead
(it needs the token, and removes it from the store too).`,
		Example: `  drs token --model CoffeeMaker01 --serial S1
  drs token --json
  drs token --reveal
  drs token --delete
  DRS_STORE_KEY=NEW DRS_STORE_PREVIOUS_KEYS=OLD drs token --reencrypt`,
		Args: cmdutil.ExactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.Run(cmd, opts, runF, Run)
		},
	}
	cmd.Flags().BoolVar(&opts.Reveal, "reveal", false, "print the refresh token itself")
	cmd.Flags().BoolVar(&opts.Delete, "delete", false, "remove the stored refresh token (the device stays linked at Amazon)")
	cmd.Flags().BoolVar(&opts.Reencrypt, "reencrypt", false, "save the stored token again, encrypted with the current "+cmdutil.EnvStoreKey+" (after a key change)")
	return cmd
}

// Result is the JSON output of drs token.
type Result struct {
	ClientID    string `json:"clientId"`
	DeviceModel string `json:"deviceModel"`
	Serial      string `json:"serial"`
	// Store is where the token is kept (passwords removed), "" when the
	// device is not named.
	Store string `json:"store,omitempty"`
	// Stored is true when the store holds a refresh token for the device.
	Stored bool `json:"stored"`
	// EnvOverride is true when DRS_REFRESH_TOKEN is set: it is used instead
	// of the stored token.
	EnvOverride bool `json:"envOverride"`
	// RefreshToken is the token in use, only with --reveal.
	RefreshToken string `json:"refreshToken,omitempty"`
	// Deleted is true when --delete removed the stored token.
	Deleted bool `json:"deleted,omitempty"`
	// Reencrypted is true when --reencrypt saved the token again.
	Reencrypted bool `json:"reencrypted,omitempty"`
}

// Run shows the token's status.
func Run(ctx context.Context, opts *Options) error {
	f := opts.Factory
	id, err := f.ClientID()
	if err != nil {
		return err
	}
	key := store.Key{ClientID: id, DeviceModel: f.Model(), Serial: f.Serial()}
	env := f.EnvRefreshToken()
	out := Result{ClientID: id, DeviceModel: key.DeviceModel, Serial: key.Serial, EnvOverride: env != ""}
	if n := btoi(opts.Delete) + btoi(opts.Reveal) + btoi(opts.Reencrypt); n > 1 {
		return cmdutil.FlagErrorf("--reveal, --delete and --reencrypt cannot be used together")
	}
	if opts.Reencrypt {
		if err := key.Validate(); err != nil {
			return cmdutil.FlagErrorf("--reencrypt needs the device: name it with --model and --serial (or %s and %s)", cmdutil.EnvModel, cmdutil.EnvSerial)
		}
		if f.Getenv == nil || f.Getenv(cmdutil.EnvStoreKey) == "" {
			return cmdutil.FlagErrorf("--reencrypt needs the key to encrypt with in %s (and the old ones in %s)", cmdutil.EnvStoreKey, cmdutil.EnvStorePreviousKeys)
		}
		if out.Store, err = reencrypt(ctx, f, key); err != nil {
			return err
		}
		out.Stored, out.Reencrypted = true, true
		return f.Print(out, func(w io.Writer) { printHuman(w, out) })
	}
	if opts.Delete {
		if err := key.Validate(); err != nil {
			return cmdutil.FlagErrorf("--delete needs the device: name it with --model and --serial (or %s and %s)", cmdutil.EnvModel, cmdutil.EnvSerial)
		}
		if out.Store, err = remove(ctx, f, key); err != nil {
			return err
		}
		out.Deleted = true
		return f.Print(out, func(w io.Writer) { printHuman(w, out) })
	}
	var stored string
	if key.Validate() == nil {
		if stored, out.Store, err = load(ctx, f, key); err != nil {
			return err
		}
		out.Stored = stored != ""
	} else if env == "" {
		return cmdutil.FlagErrorf("name the device with --model and --serial (or %s and %s)", cmdutil.EnvModel, cmdutil.EnvSerial)
	}
	if opts.Reveal {
		out.RefreshToken = stored
		if env != "" {
			out.RefreshToken = env
		}
		if out.RefreshToken == "" {
			return cmdutil.NotAuthenticated(fmt.Sprintf("no refresh token stored for device %s/%s in %s", key.DeviceModel, key.Serial, out.Store))
		}
	}
	return f.Print(out, func(w io.Writer) { printHuman(w, out) })
}

// withStore opens the token store, runs fn on it and closes it; it returns
// where the store is and fn's error.
func withStore(ctx context.Context, f *cmdutil.Factory, fn func(cmdutil.Store) error) (string, error) {
	st, err := f.Store(ctx)
	if err != nil {
		return "", err
	}
	defer st.Close()
	return f.StoreLocation(st), fn(st)
}

// load returns the stored token ("" if none) and where the store is.
func load(ctx context.Context, f *cmdutil.Factory, key store.Key) (tok string, where string, err error) {
	where, err = withStore(ctx, f, func(st cmdutil.Store) error {
		var lerr error
		tok, lerr = st.Load(ctx, key)
		switch {
		case errors.Is(lerr, store.ErrNotFound):
			tok = ""
			return nil
		case lerr != nil:
			return cmdutil.StoreReadError(lerr)
		}
		return nil
	})
	return tok, where, err
}

// reencrypt loads the stored token (through every key the store was
// opened with) and saves it again, so it is encrypted with the current key;
// it returns where the store is. The token is never missing from the store.
func reencrypt(ctx context.Context, f *cmdutil.Factory, key store.Key) (string, error) {
	return withStore(ctx, f, func(st cmdutil.Store) error {
		tok, err := st.Load(ctx, key)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return cmdutil.NotAuthenticated(fmt.Sprintf("no refresh token stored for device %s/%s in %s", key.DeviceModel, key.Serial, f.StoreLocation(st)))
		case err != nil:
			return cmdutil.StoreReadError(err)
		}
		if err := st.Save(ctx, key, tok); err != nil {
			return &drs.Error{Code: drs.CodeGeneral, Message: "saving the re-encrypted token", Err: err}
		}
		return nil
	})
}

// remove deletes the stored token and returns where the store is.
func remove(ctx context.Context, f *cmdutil.Factory, key store.Key) (string, error) {
	return withStore(ctx, f, func(st cmdutil.Store) error {
		if err := st.Delete(ctx, key); err != nil {
			return &drs.Error{Code: drs.CodeGeneral, Message: "deleting from the token store", Err: err}
		}
		return nil
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func printHuman(w io.Writer, out Result) {
	device := out.DeviceModel + "/" + out.Serial
	if out.DeviceModel == "" || out.Serial == "" {
		device = "not named (give --model and --serial)"
	}
	cmdutil.Fprintf(w, "Device:        %s\n", device)
	cmdutil.Fprintf(w, "Client ID:     %s\n", out.ClientID)
	if out.Store != "" {
		cmdutil.Fprintf(w, "Store:         %s\n", out.Store)
		state := "not stored (link the device with drs login)"
		switch {
		case out.Reencrypted:
			state = "stored, re-encrypted with " + cmdutil.EnvStoreKey
		case out.Deleted:
			state = "deleted from the store (the device is still linked at Amazon: to unlink it, link it again and run drs deregister)"
		case out.Stored:
			state = "stored"
		}
		cmdutil.Fprintf(w, "Refresh token: %s\n", state)
	}
	if out.EnvOverride {
		cmdutil.Fprintf(w, "Override:      %s is set and is used instead of the store\n", cmdutil.EnvRefreshToken)
	}
	if out.RefreshToken != "" {
		cmdutil.Fprintf(w, "Token in use:  %s\n", out.RefreshToken)
	}
}
