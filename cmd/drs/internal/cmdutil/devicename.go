package cmdutil

import (
	"fmt"
	"strings"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
)

// Where a device's model or serial came from, in the order they are
// looked at: a flag, then the environment, then the device remembered with
// drs device use (only when neither flag nor variable names any part of the
// device, and DRS_REFRESH_TOKEN is not set), then the emulator's default
// model.
const (
	FromRemembered = "remembered with 'drs device use'"
	FromEmulator   = "the emulator's default"
)

// DeviceName is the device the flags, the environment and the config file
// name, and where each part came from.
type DeviceName struct {
	Model, Serial         string
	ModelFrom, SerialFrom string // "--model", "DRS_DEVICE_MODEL", FromRemembered, FromEmulator or ""
	// Remembered is true when the device is the remembered default.
	Remembered bool
	// ConfigErr is why the config file could not be read, if it could not.
	ConfigErr error
}

// DeviceName resolves the device to use (see [FromRemembered] for the
// order).
func (f *Factory) DeviceName() DeviceName {
	var d DeviceName
	d.Model, d.ModelFrom = f.valueFrom("model", f.Global.Model, EnvModel)
	d.Serial, d.SerialFrom = f.valueFrom("serial", f.Global.Serial, EnvSerial)
	if d.Model == "" && d.Serial == "" && f.EnvRefreshToken() == "" {
		if ref, ok, err := f.Remembered(); err != nil {
			d.ConfigErr = err
		} else if ok {
			d.Model, d.Serial, d.Remembered = ref.Model, ref.Serial, true
			d.ModelFrom, d.SerialFrom = FromRemembered, FromRemembered
		}
	}
	if d.Model == "" && f.EmulatorHost() != "" {
		d.Model, d.ModelFrom = drssim.DefaultModel, FromEmulator
	}
	return d
}

// valueFrom is value, also naming where the value came from.
func (f *Factory) valueFrom(flag, v, env string) (string, string) {
	if f.flags != nil && f.flags.Changed(flag) {
		return strings.TrimSpace(v), "--" + flag
	}
	if v := strings.TrimSpace(f.getenv(env)); v != "" {
		return v, env
	}
	return "", ""
}

// Remembered returns the default device of the client ID in use, if one
// is remembered.
func (f *Factory) Remembered() (DeviceRef, bool, error) {
	id, _, err := f.credentials(false)
	if err != nil {
		return DeviceRef{}, false, nil
	}
	c, err := f.ReadConfig()
	if err != nil {
		return DeviceRef{}, false, err
	}
	ref, ok := c.Devices[id]
	return ref, ok && ref.Model != "" && ref.Serial != "", nil
}

// String describes the device and where it came from, for the line every
// device command prints.
func (d DeviceName) String() string {
	name := d.Model + "/" + d.Serial
	switch {
	case d.Model == "" || d.Serial == "":
		return "not named"
	case d.ModelFrom == d.SerialFrom:
		return fmt.Sprintf("%s (%s)", name, fromText(d.ModelFrom))
	}
	return fmt.Sprintf("%s (model from %s, serial from %s)", name, fromText(d.ModelFrom), fromText(d.SerialFrom))
}

func fromText(from string) string {
	switch {
	case from == "--model" || from == "--serial":
		return "flags"
	case from == EnvModel || from == EnvSerial:
		return "environment"
	}
	return from
}

// AnnounceDevice prints, to stderr, which device a command uses, and a
// warning when the config file could not be read. With --json it prints
// nothing: stderr then holds only a JSON error, if any.
func (f *Factory) AnnounceDevice(d DeviceName) {
	if f.Global.JSON {
		return
	}
	if d.ConfigErr != nil {
		Fprintf(f.IO.ErrOut, "warning: no remembered device: %v\n", d.ConfigErr)
	}
	Fprintf(f.IO.ErrOut, "Device: %s\n", d)
}

// RequireExplicitDevice refuses, as a usage error, to let command (replenish,
// deregister) act on the remembered device when standard input is not a
// terminal: a script must say which device it orders for or unlinks.
func (f *Factory) RequireExplicitDevice(command string) error {
	d := f.DeviceName()
	if !d.Remembered || (f.StdinIsTerminal != nil && f.StdinIsTerminal()) {
		return nil
	}
	return FlagErrorf("drs %s would act on the remembered device %s/%s, and standard input is not a terminal: name the device with --model %s --serial %s (or %s and %s)",
		command, d.Model, d.Serial, d.Model, d.Serial, EnvModel, EnvSerial)
}

// CheckDeviceFlags returns a usage error naming the flag or variable whose
// device model or serial DRS would refuse (drs.Device.Validate's rule:
// 1-64 characters of A-Z a-z 0-9 - + _).
func (f *Factory) CheckDeviceFlags() error {
	for _, p := range []struct{ flag, v, env string }{{"model", f.Global.Model, EnvModel}, {"serial", f.Global.Serial, EnvSerial}} {
		v, from := f.valueFrom(p.flag, p.v, p.env)
		if v == "" {
			continue
		}
		d := drs.Device{Model: "M", Serial: "S"}
		if p.flag == "model" {
			d.Model = v
		} else {
			d.Serial = v
		}
		if err := d.Validate(); err != nil {
			return FlagErrorf("invalid %s: %v", from, err)
		}
	}
	return nil
}
