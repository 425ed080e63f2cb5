package cmdutil

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amazondrs/drs/drssim"
	"github.com/google/go-cmp/cmp"
)

func TestDeviceNamePrecedence(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join(t.TempDir(), "config.json")
	f := factory(t, map[string]string{EnvConfig: cfg, EnvEmulatorHost: "127.0.0.1:1"})
	if err := f.WriteConfig(Config{Version: 1, Devices: map[string]DeviceRef{drssim.DefaultClientID: {"RM", "RS"}, "other": {"OM", "OS"}}}); err != nil {
		t.Fatal(err)
	}
	emu := map[string]string{EnvConfig: cfg, EnvEmulatorHost: "127.0.0.1:1"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range emu {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want DeviceName
	}{
		{"remembered", emu, nil, DeviceName{Model: "RM", Serial: "RS", ModelFrom: FromRemembered, SerialFrom: FromRemembered, Remembered: true}},
		{"flags win", with(EnvModel, "EM", EnvSerial, "ES"), []string{"--model", "FM", "--serial", "FS"},
			DeviceName{Model: "FM", Serial: "FS", ModelFrom: "--model", SerialFrom: "--serial"}},
		{"env over remembered", with(EnvSerial, "ES"), nil,
			DeviceName{Model: drssim.DefaultModel, Serial: "ES", ModelFrom: FromEmulator, SerialFrom: EnvSerial}},
		{"one flag: no remembered part", emu, []string{"--serial", "FS"},
			DeviceName{Model: drssim.DefaultModel, Serial: "FS", ModelFrom: FromEmulator, SerialFrom: "--serial"}},
		{"refresh token: no remembered", with(EnvRefreshToken, "x"), nil, DeviceName{Model: drssim.DefaultModel, ModelFrom: FromEmulator}},
		{"other client ID", with(EnvClientID, "other", EnvClientSecret, "s"), nil,
			DeviceName{Model: "OM", Serial: "OS", ModelFrom: FromRemembered, SerialFrom: FromRemembered, Remembered: true}},
		{"no config", map[string]string{EnvEmulatorHost: "127.0.0.1:1"}, nil, DeviceName{Model: drssim.DefaultModel, ModelFrom: FromEmulator}},
	} {
		got := factory(t, tc.env, tc.args...).DeviceName()
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: DeviceName (-want +got):\n%s", tc.name, diff)
		}
	}
	if s := factory(t, emu).DeviceName().String(); s != "RM/RS (remembered with 'drs device use')" {
		t.Errorf("String = %q", s)
	}
	if s := factory(t, emu, "--serial", "S").DeviceName().String(); s != "CoffeeMaker01/S (model from the emulator's default, serial from flags)" {
		t.Errorf("String = %q", s)
	}
}

func TestRequireExplicitDevice(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join(t.TempDir(), "config.json")
	env := map[string]string{EnvConfig: cfg, EnvEmulatorHost: "127.0.0.1:1"}
	f := factory(t, env)
	if err := f.RequireExplicitDevice("replenish"); err != nil {
		t.Errorf("nothing remembered: %v", err)
	}
	if err := f.WriteConfig(Config{Version: 1, Devices: map[string]DeviceRef{drssim.DefaultClientID: {"RM", "RS"}}}); err != nil {
		t.Fatal(err)
	}
	err := f.RequireExplicitDevice("replenish")
	if ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), "--model RM --serial RS") {
		t.Errorf("remembered, no terminal: %v", err)
	}
	f.StdinIsTerminal = func() bool { return true }
	if err := f.RequireExplicitDevice("replenish"); err != nil {
		t.Errorf("remembered, terminal: %v", err)
	}
	if err := factory(t, env, "--model", "RM", "--serial", "RS").RequireExplicitDevice("deregister"); err != nil {
		t.Errorf("named by flags: %v", err)
	}
}

func TestCheckDeviceFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"--model", "M-1_+", "--serial", "S1"}, ""},
		{nil, nil, ""},
		{nil, []string{"--model", "bad model"}, `invalid --model: device model "bad model" must be`},
		{map[string]string{EnvSerial: "s/1"}, nil, `invalid DRS_DEVICE_SERIAL: serial "s/1" must be`},
		{nil, []string{"--serial", strings.Repeat("x", 65)}, "invalid --serial"},
	} {
		err := factory(t, tc.env, tc.args...).CheckDeviceFlags()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v %v: %v", tc.env, tc.args, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || ExitCode(err) != ExitUsage):
			t.Errorf("%v %v: %v, want a usage error with %q", tc.env, tc.args, err, tc.want)
		}
	}
}

func TestConfigFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := &Factory{UserConfigDir: func() (string, error) { return dir, nil }}
	if got, want := f.ConfigPath(), filepath.Join(dir, "amazondrs", "config.json"); got != want {
		t.Errorf("ConfigPath = %q, want %q", got, want)
	}
	c, err := f.ReadConfig()
	if err != nil || len(c.Devices) != 0 {
		t.Fatalf("missing file: %+v, %v", c, err)
	}
	want := Config{Version: 1, Devices: map[string]DeviceRef{"id": {"M", "S"}}}
	if err := f.WriteConfig(want); err != nil {
		t.Fatal(err)
	}
	if got, err := f.ReadConfig(); err != nil || !cmp.Equal(got, want) {
		t.Errorf("ReadConfig = %+v, %v; want %+v", got, err, want)
	}
	fi, err := os.Stat(f.ConfigPath())
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("config file mode: %v, %v", fi, err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(f.ConfigPath())); len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
	if err := os.WriteFile(f.ConfigPath(), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ReadConfig(); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Errorf("bad file: %v", err)
	}
	if (&Factory{}).ConfigPath() != "" {
		t.Error("a Factory without UserConfigDir has a config path")
	}
}
