package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

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
	if !d.FromEnv {
		if tok, err = d.load(ctx); err != nil {
			d.Close()
			return nil, err
		}
	}
	var onChange func(drs.Token)
	if !d.FromEnv {
		onChange = d.tokenChanged
	}
	if d.Client, err = f.NewClient(onChange); err != nil {
		d.Close()
		return nil, err
	}
	d.Client.SetRefreshToken(tok)
	return d, nil
}

// load reads the device's refresh token from the store.
func (d *Device) load(ctx context.Context) (string, error) {
	if err := d.Key.Validate(); err != nil {
		return "", NotAuthenticated(fmt.Sprintf("no refresh token: name the device with --model and --serial (or %s and %s) after linking it with 'drs login', or set %s", EnvModel, EnvSerial, EnvRefreshToken))
	}
	st, err := d.Store(ctx)
	if err != nil {
		return "", err
	}
	tok, err := st.Load(ctx, d.Key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "", NotAuthenticated(fmt.Sprintf("no refresh token stored for device %s/%s in %s: link it with 'drs login --model %s --serial %s', or set %s",
			d.Key.DeviceModel, d.Key.Serial, d.f.StoreLocation(st), d.Key.DeviceModel, d.Key.Serial, EnvRefreshToken))
	case err != nil:
		return "", StoreReadError(err)
	}
	return tok, nil
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

// tokenChanged writes a new refresh token to the store, or deletes the
// stored one when Amazon revoked it.
func (d *Device) tokenChanged(t drs.Token) {
	if d.Key.Validate() != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := d.Store(ctx)
	if err == nil {
		if t.RefreshToken == "" {
			err = st.Delete(ctx, d.Key)
		} else {
			err = st.Save(ctx, d.Key, t.RefreshToken)
		}
	}
	if err != nil {
		fmt.Fprintf(d.f.IO.ErrOut, "warning: could not update the stored refresh token of %s: %v\n", d.Key, err)
	}
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
