package cmdutil

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// EnvConfig names the CLI's config file, overriding the default
// (amazondrs/config.json under the user's config directory, beside the
// default token file).
const EnvConfig = "DRS_CONFIG"

// maxConfigSize caps the config file read: it holds a few device names.
const maxConfigSize = 1 << 20

// Config is the CLI's config file: the device each client ID uses when
// none is named (drs device use).
type Config struct {
	Version int `json:"version"`
	// Devices maps an LWA client ID to its default device.
	Devices map[string]DeviceRef `json:"devices,omitempty"`
}

// DeviceRef names a device of a client ID.
type DeviceRef struct {
	Model  string `json:"model"`
	Serial string `json:"serial"`
}

func (d DeviceRef) String() string { return d.Model + "/" + d.Serial }

// ConfigPath returns the config file's path: DRS_CONFIG, else
// amazondrs/config.json under UserConfigDir (beside the default token
// file); "" when neither is available (then nothing is remembered).
func (f *Factory) ConfigPath() string {
	if p := f.getenv(EnvConfig); p != "" {
		return p
	}
	if f.UserConfigDir == nil {
		return ""
	}
	dir, err := f.UserConfigDir()
	if err != nil || dir == "" {
		return ""
	}
	return filepath.Join(dir, "amazondrs", "config.json")
}

// ReadConfig reads the config file; a missing one is an empty Config.
func (f *Factory) ReadConfig() (Config, error) {
	c := Config{Version: 1}
	path := f.ConfigPath()
	if path == "" {
		return c, nil
	}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return c, nil
	case err != nil:
		return c, fmt.Errorf("reading the config file: %w", err)
	case len(b) > maxConfigSize:
		return c, fmt.Errorf("reading the config file %s: larger than %d bytes", path, maxConfigSize)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return Config{Version: 1}, fmt.Errorf("the config file %s is not valid JSON (fix or delete it): %v", path, err)
	}
	return c, nil
}

// WriteConfig replaces the config file with c: written to a temporary file
// in the same directory (mode 0600), synced, then renamed over the old one,
// so a crash leaves the old file or the new one, never half of one.
func (f *Factory) WriteConfig(c Config) error {
	path := f.ConfigPath()
	if path == "" {
		return fmt.Errorf("no config file: set %s", EnvConfig)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("writing the config file: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*.json")
	if err != nil {
		return fmt.Errorf("writing the config file: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, nothing is there
	_, err = tmp.Write(append(b, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("writing the config file %s: %w", path, err)
	}
	return nil
}
