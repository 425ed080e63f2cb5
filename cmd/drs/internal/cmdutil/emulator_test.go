package cmdutil

import (
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/amazondrs/drs"
)

func TestCheckEmulatorHost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string // "" for valid
	}{
		{nil, nil, ""},
		{nil, []string{"--emulator", "127.0.0.1:8181"}, ""},
		{map[string]string{EnvEmulatorHost: "localhost:8181"}, nil, ""},
		{map[string]string{EnvEmulatorHost: "[::1]:8181"}, nil, ""},
		{nil, []string{"--emulator", "http://127.0.0.1:8181"}, `invalid --emulator "http://127.0.0.1:8181": want host:port, such as 127.0.0.1:8181 (the address drs sim prints), without the scheme: drop "http://" and give 127.0.0.1:8181`},
		{map[string]string{EnvEmulatorHost: "https://h:1/"}, nil, `invalid DRS_EMULATOR_HOST "https://h:1/"`},
		{map[string]string{EnvEmulatorHost: "h:1/drs"}, nil, "without a path"},
		{nil, []string{"--emulator", "127.0.0.1"}, "want host:port"},
		{nil, []string{"--emulator", ":8181"}, "want host:port"},
		{nil, []string{"--emulator", "h:99999"}, "port must be a number"},
		{nil, []string{"--emulator", "h:http"}, "port must be a number"},
	} {
		err := factory(t, tc.env, tc.args...).CheckEmulatorHost()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v %v: %v", tc.env, tc.args, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || ExitCode(err) != ExitUsage):
			t.Errorf("%v %v: err = %v, want a usage error with %q", tc.env, tc.args, err, tc.want)
		}
	}
	// Credentials refuse it too, so no command sends a secret to "http".
	if _, _, err := factory(t, nil, "--emulator", "http://x:1").Credentials(); ExitCode(err) != ExitUsage {
		t.Errorf("Credentials with a URL emulator: %v", err)
	}
}

func TestCheckEmulatorReachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	f := factory(t, map[string]string{EnvEmulatorHost: addr})
	if err := f.CheckEmulatorReachable(t.Context()); err != nil {
		t.Errorf("listening emulator: %v", err)
	}
	l.Close()
	err = f.CheckEmulatorReachable(t.Context())
	var ue *EmulatorUnreachableError
	if !errors.As(err, &ue) || drs.Code(err) != drs.CodeCouldNotConnect || !strings.Contains(ue.Hint(), "drs sim --addr "+addr) {
		t.Errorf("closed emulator: %v (code %d)", err, drs.Code(err))
	}
	if err := factory(t, nil).CheckEmulatorReachable(t.Context()); err != nil {
		t.Errorf("no emulator: %v", err)
	}
}

func TestEmulatorHint(t *testing.T) {
	t.Parallel()
	refused := &drs.Error{Code: drs.CodeCouldNotConnect, Op: "Replenish", Message: "connection refused"}
	emu := factory(t, map[string]string{EnvEmulatorHost: "127.0.0.1:9"})
	var ue *EmulatorUnreachableError
	if err := emu.EmulatorHint(refused); !errors.As(err, &ue) || ue.Host != "127.0.0.1:9" || drs.Code(err) != 7 {
		t.Errorf("refused with an emulator: %v", err)
	}
	if err := emu.EmulatorHint(&EmulatorUnreachableError{Host: "h:1", Err: refused}); !errors.As(err, &ue) || ue.Host != "h:1" {
		t.Errorf("already hinted: %v", err)
	}
	for _, err := range []error{nil, &drs.Error{Code: 404}} {
		if got := emu.EmulatorHint(err); got != err {
			t.Errorf("EmulatorHint(%v) = %v", err, got)
		}
	}
	if got := factory(t, nil).EmulatorHint(refused); got != error(refused) {
		t.Errorf("refused, no emulator: %v", got)
	}
}
