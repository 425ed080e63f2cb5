package token

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/amazondrs/drs/store"
)

// Result is the JSON output of drs token.
type Result struct {
	ClientID    string `json:"clientId"`
	DeviceModel string `json:"deviceModel"`
	Serial      string `json:"serial"`
	// Store is where the token is kept (passwords removed), "" when the
	// device is not named.
	Store string `json:"store,omitempty"`
	// Stored is true when the store holds a refresh token for the device
	// (after delete: false).
	Stored bool `json:"stored"`
	// EnvOverride is true when DRS_REFRESH_TOKEN is set: it is used instead
	// of the stored token.
	EnvOverride bool `json:"envOverride"`
	// RefreshToken is the token in use, only with --reveal.
	RefreshToken string `json:"refreshToken,omitempty"`
	// Deleted, after delete, is true when a record was there and is gone,
	// false when nothing was stored.
	Deleted *bool `json:"deleted,omitempty"`
	// Reencrypted is true when reencrypt saved the token again.
	Reencrypted bool `json:"reencrypted,omitempty"`
	// WasPlaintext is true when reencrypt found the token in plain text
	// and stored it encrypted.
	WasPlaintext bool `json:"wasPlaintext,omitempty"`
}

// Run runs the action opts names.
func Run(ctx context.Context, opts *Options) error {
	f := opts.Factory
	id, err := f.ClientID()
	if err != nil {
		return err
	}
	if err := f.CheckDeviceFlags(); err != nil {
		return err
	}
	name := f.DeviceName()
	key := store.Key{ClientID: id, DeviceModel: name.Model, Serial: name.Serial}
	out := Result{ClientID: id, DeviceModel: key.DeviceModel, Serial: key.Serial, EnvOverride: f.EnvRefreshToken() != ""}
	if key.Validate() != nil {
		if opts.Action != ActionShow || !out.EnvOverride {
			return cmdutil.FlagErrorf("drs token %s needs the device: name it with --model and --serial (or %s and %s), or choose one with drs device use", opts.Action, cmdutil.EnvModel, cmdutil.EnvSerial)
		}
	} else {
		f.AnnounceDevice(name)
	}
	switch opts.Action {
	case ActionDelete:
		err = remove(ctx, f, key, &out)
	case ActionReencrypt:
		err = reencrypt(ctx, f, key, &out)
	default:
		err = show(ctx, f, key, opts.Reveal, &out)
	}
	if err != nil {
		return err
	}
	return f.Print(out, func(w io.Writer) { printHuman(w, out) })
}

func show(ctx context.Context, f *cmdutil.Factory, key store.Key, reveal bool, out *Result) error {
	var stored string
	if key.Validate() == nil {
		st, err := f.Store(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		out.Store = f.StoreLocation(st)
		stored, err = st.Load(ctx, key)
		switch {
		case errors.Is(err, store.ErrNotFound):
			stored = ""
		case err != nil:
			return cmdutil.StoreReadError(err)
		}
		out.Stored = stored != ""
	}
	if !reveal {
		return nil
	}
	out.RefreshToken = stored
	if env := f.EnvRefreshToken(); env != "" {
		out.RefreshToken = env
	}
	if out.RefreshToken == "" {
		return cmdutil.NotAuthenticated(fmt.Sprintf("no refresh token stored for device %s/%s in %s", key.DeviceModel, key.Serial, out.Store))
	}
	return nil
}

// openPlain opens the store without encryption, for what must see a
// record whatever its form.
func openPlain(ctx context.Context, f *cmdutil.Factory) (cmdutil.Store, error) {
	if f.OpenPlainStore == nil {
		return f.Store(ctx)
	}
	if err := cmdutil.CheckStoreSpec(f.StoreSpec()); err != nil {
		return nil, err
	}
	st, err := f.OpenPlainStore(ctx, f.StoreSpec())
	if err != nil {
		return nil, cmdutil.OpenStoreError(f.StoreSpec(), err)
	}
	return st, nil
}

// remove deletes the stored token, saying whether a record was there: it
// looks without decrypting, so a record no key opens counts as there.
func remove(ctx context.Context, f *cmdutil.Factory, key store.Key, out *Result) error {
	st, err := openPlain(ctx, f)
	if err != nil {
		return err
	}
	defer st.Close()
	out.Store = f.StoreLocation(st)
	_, lerr := st.Load(ctx, key)
	existed := !errors.Is(lerr, store.ErrNotFound)
	if err := st.Delete(ctx, key); err != nil {
		return &drs.Error{Code: drs.CodeGeneral, Message: "deleting from the token store", Err: err}
	}
	out.Deleted = &existed
	return nil
}

// reencrypt loads the stored token through every key the store was
// opened with, or in plain text if it is stored so, and saves it again
// encrypted with the current key. The encrypted store replaces a value it
// can read (plain text included) in place, so the token is never missing.
func reencrypt(ctx context.Context, f *cmdutil.Factory, key store.Key, out *Result) error {
	if f.Getenv == nil || f.Getenv(cmdutil.EnvStoreKey) == "" {
		return cmdutil.FlagErrorf("drs token reencrypt needs the key to encrypt with in %s (and the old ones in %s)", cmdutil.EnvStoreKey, cmdutil.EnvStorePreviousKeys)
	}
	st, err := f.Store(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	out.Store = f.StoreLocation(st)
	tok, err := st.Load(ctx, key)
	if errors.Is(err, store.ErrPlaintext) {
		tok, err = loadPlain(ctx, f, key)
		out.WasPlaintext = err == nil
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return cmdutil.NotAuthenticated(fmt.Sprintf("no refresh token stored for device %s/%s in %s", key.DeviceModel, key.Serial, out.Store))
	case err != nil:
		return cmdutil.StoreReadError(err)
	}
	if err := st.Save(ctx, key, tok); err != nil {
		return &drs.Error{Code: drs.CodeGeneral, Message: "saving the re-encrypted token", Err: err}
	}
	out.Stored, out.Reencrypted = true, true
	return nil
}

// loadPlain reads the token a plain store holds for key.
func loadPlain(ctx context.Context, f *cmdutil.Factory, key store.Key) (string, error) {
	if f.OpenPlainStore == nil {
		return "", store.ErrPlaintext
	}
	st, err := openPlain(ctx, f)
	if err != nil {
		return "", err
	}
	defer st.Close()
	return st.Load(ctx, key)
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
		cmdutil.Fprintf(w, "Refresh token: %s\n", state(out))
	}
	if out.EnvOverride {
		cmdutil.Fprintf(w, "Override:      %s is set and is used instead of the store\n", cmdutil.EnvRefreshToken)
	}
	if out.RefreshToken != "" {
		cmdutil.Fprintf(w, "Token in use:  %s\n", out.RefreshToken)
	}
}

func state(out Result) string {
	switch {
	case out.Reencrypted && out.WasPlaintext:
		return "was stored in plain text, now stored encrypted with " + cmdutil.EnvStoreKey
	case out.Reencrypted:
		return "stored, re-encrypted with " + cmdutil.EnvStoreKey
	case out.Deleted != nil && *out.Deleted:
		return "deleted from the store (the device is still linked at Amazon: to unlink it, link it again and run drs deregister)"
	case out.Deleted != nil:
		return "nothing was stored, nothing deleted"
	case out.Stored:
		return "stored"
	}
	return "not stored (link the device with drs login)"
}
