package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/store"
	"github.com/amazondrs/drs/store/filestore"
)

// Device is a client for the device named by the global flags, with the
// refresh token loaded from the store or DRS_REFRESH_TOKEN.
type Device struct {
	Client *drs.Client
	// Key names the device in the store; it may be incomplete when the
	// token came from DRS_REFRESH_TOKEN.
	Key store.Key
	// Name is where the device's name came from.
	Name DeviceName
	// FromEnv is true when the refresh token came from DRS_REFRESH_TOKEN;
	// then token changes are not written to the store.
	FromEnv bool

	f     *Factory
	store Store
}

// Device builds the client of the device named by the global flags and
// gives it its refresh token. A token Amazon rotates, or a deregistration,
// is written to the store. Close the Device when done.
func (f *Factory) Device(ctx context.Context) (*Device, error) {
	id, _, err := f.Credentials()
	if err != nil {
		return nil, err
	}
	if err := f.CheckDeviceFlags(); err != nil {
		return nil, err
	}
	name := f.DeviceName()
	d := &Device{f: f, Name: name, Key: store.Key{ClientID: id, DeviceModel: name.Model, Serial: name.Serial}}
	if d.Key.Validate() == nil {
		f.AnnounceDevice(name)
	}
	tok := f.EnvRefreshToken()
	d.FromEnv = tok != ""
	if d.FromEnv { // the kept exception: DRS_REFRESH_TOKEN uses no store
		if d.Client, err = f.NewClient(nil); err != nil {
			return nil, err
		}
		d.Client.SetRefreshToken(tok)
		return d, nil
	}
	if err := d.Key.Validate(); err != nil {
		return nil, NotAuthenticated(fmt.Sprintf("no refresh token: name the device with --model and --serial (or %s and %s) after linking it with 'drs login', or set %s", EnvModel, EnvSerial, EnvRefreshToken))
	}
	st, err := d.Store(ctx)
	if err != nil {
		return nil, err
	}
	// The one way a token reaches the store: the library's WithTokenStore
	// loads it now and saves (or, after a deregistration, deletes) every
	// change; a failed save is a warning, since the call itself worked.
	d.Client, err = f.NewClient(nil, drs.WithTokenStore(st, d.Key.DeviceModel, d.Key.Serial, drs.OnSaveError(func(err error) {
		fmt.Fprintf(f.IO.ErrOut, "warning: could not update the stored refresh token of %s: %v\n", d.Key, err)
	})))
	if err != nil {
		d.Close()
		var se *drs.Error
		if errors.As(err, &se) && se.Op == "New" && se.Err != nil {
			return nil, StoreReadError(se.Err)
		}
		return nil, err
	}
	if d.Client.RefreshToken() == "" {
		d.Close()
		return nil, NotAuthenticated(fmt.Sprintf("no refresh token stored for device %s/%s in %s: link it with 'drs login --model %s --serial %s', or set %s",
			d.Key.DeviceModel, d.Key.Serial, f.StoreLocation(st), d.Key.DeviceModel, d.Key.Serial, EnvRefreshToken))
	}
	return d, nil
}

// Store opens (once) the token store named by --store or DRS_STORE.
func (d *Device) Store(ctx context.Context) (Store, error) {
	if d.store != nil {
		return d.store, nil
	}
	st, err := d.f.Store(ctx)
	if err != nil {
		return nil, err
	}
	d.store = st
	return st, nil
}

// Store opens the token store named by --store or DRS_STORE.
func (f *Factory) Store(ctx context.Context) (Store, error) {
	if f.OpenStore == nil {
		return nil, &drs.Error{Code: drs.CodeGeneral, Message: "no token store configured"}
	}
	spec := f.StoreSpec()
	if err := CheckStoreSpec(spec); err != nil {
		return nil, err
	}
	st, err := f.OpenStore(ctx, spec)
	if err != nil {
		return nil, OpenStoreError(spec, err)
	}
	return st, nil
}

// Close closes the store, if one was opened.
func (d *Device) Close() error {
	if d.store == nil {
		return nil
	}
	err := d.store.Close()
	d.store = nil
	return err
}

// StoreLocation describes where st keeps its tokens, for humans: the
// store's file path if it has one, else the spec with any password removed.
func (f *Factory) StoreLocation(st any) string {
	spec := f.StoreSpec()
	scheme := "file"
	if i := strings.Index(spec, ":"); i > 0 {
		scheme = spec[:i]
	}
	if p, ok := st.(interface{ Path() string }); ok && p.Path() != "" {
		return scheme + ":" + p.Path()
	}
	if spec == "" {
		if p, err := filestore.DefaultPath(); err == nil {
			return "file:" + p
		}
		return "the default token file"
	}
	return RedactSpec(spec)
}
