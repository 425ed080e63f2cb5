package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func TestFormatError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&drs.Error{Code: 404, Op: "Replenish", StatusCode: 404, ErrorType: "ResourceNotFoundException", Message: "no slot"},
			"error: Replenish: HTTP 404 ResourceNotFoundException: no slot (code 404)"},
		{fmt.Errorf("wrapped: %w", &drs.Error{Code: 1000, Message: "no refresh token"}), "error: wrapped: no refresh token (code 1000)"},
		{&drs.Error{Code: 1010, Op: "Login", Message: "refused", OAuthError: "access_denied", OAuthErrorDescription: "The user said no."},
			"error: Login: refused (access_denied: The user said no.) (code 1010)"},
		{FlagErrorf("missing --x"), "error: missing --x (code 1010)"},
		{errors.New("plain"), "error: plain (code 1010)"},
	} {
		if got := FormatError(tc.err); got != tc.want {
			t.Errorf("FormatError(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	for err, want := range map[error]int{
		nil:                                  0,
		FlagErrorf("bad"):                    2,
		fmt.Errorf("x: %w", FlagErrorf("y")): 2,
		errors.New(`unknown command "x" for "drs"`): 2,
		&drs.Error{Code: 404}:                       1,
		errors.New("boom"):                          1,
	} {
		if got := ExitCode(err); got != want {
			t.Errorf("ExitCode(%v) = %d, want %d", err, got, want)
		}
	}
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"2026-02-27T08:15:00Z":        "2026-02-27T08:15:00Z",
		"2026-02-27T08:15:00.5+01:00": "2026-02-27T07:15:00Z",
		"2026-02-27":                  "2026-02-27T00:00:00Z",
	} {
		got, err := ParseTime("d", in)
		if err != nil || TimeText(got) != want {
			t.Errorf("ParseTime(%q) = %v, %v; want %s", in, TimeText(got), err, want)
		}
	}
	if _, err := ParseTime("last-use", "tomorrow"); ExitCode(err) != 2 {
		t.Errorf("bad date: %v, want a usage error", err)
	}
}

// factory returns a Factory over env with the global flags parsed from args.
func factory(t *testing.T, env map[string]string, args ...string) *Factory {
	t.Helper()
	f := &Factory{Getenv: func(k string) string { return env[k] }}
	fs := pflag.NewFlagSet("drs", pflag.ContinueOnError)
	f.AddGlobalFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestCredentials(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		env        map[string]string
		args       []string
		id, secret string
		usage      bool
	}{
		{"flags", nil, []string{"--client-id", "id", "--client-secret", "s"}, "id", "s", false},
		{"env", map[string]string{EnvClientID: "eid", EnvClientSecret: "es"}, nil, "eid", "es", false},
		{"flag wins", map[string]string{EnvClientID: "eid", EnvClientSecret: "es"}, []string{"--client-id", "fid"}, "fid", "es", false},
		{"emulator defaults", map[string]string{EnvEmulatorHost: "127.0.0.1:1"}, nil, drssim.DefaultClientID, drssim.DefaultClientSecret, false},
		{"emulator flag", nil, []string{"--emulator", "127.0.0.1:1"}, drssim.DefaultClientID, drssim.DefaultClientSecret, false},
		{"emulator, own id", map[string]string{EnvEmulatorHost: "127.0.0.1:1"}, []string{"--client-id", "x"}, "", "", true},
		{"none", nil, nil, "", "", true},
		{"no secret", map[string]string{EnvClientID: "eid"}, nil, "", "", true},
	} {
		f := factory(t, tc.env, tc.args...)
		id, secret, err := f.Credentials()
		if (err != nil) != tc.usage || (err != nil && ExitCode(err) != 2) || id != tc.id || secret != tc.secret {
			t.Errorf("%s: Credentials() = %q, %q, %v", tc.name, id, secret, err)
		}
	}
}

func TestDeviceDefaults(t *testing.T) {
	t.Parallel()
	f := factory(t, map[string]string{EnvEmulatorHost: "127.0.0.1:1", EnvSerial: "S9", EnvStore: "file:/x"})
	if f.Model() != drssim.DefaultModel || f.Serial() != "S9" || f.StoreSpec() != "file:/x" {
		t.Errorf("Model, Serial, StoreSpec = %q, %q, %q", f.Model(), f.Serial(), f.StoreSpec())
	}
	f = factory(t, map[string]string{EnvModel: "M"}, "--model", "M2", "--store", "sqlite:/y")
	if f.Model() != "M2" || f.StoreSpec() != "sqlite:/y" || f.EmulatorHost() != "" {
		t.Errorf("Model, StoreSpec, EmulatorHost = %q, %q, %q", f.Model(), f.StoreSpec(), f.EmulatorHost())
	}
}

func TestPrint(t *testing.T) {
	t.Parallel()
	for _, jsonOut := range []bool{false, true} {
		var out strings.Builder
		f := &Factory{IO: IOStreams{Out: &out}}
		f.Global.JSON = jsonOut
		err := f.Print(map[string]int{"n": 1}, func(w io.Writer) { fmt.Fprintln(w, "human: 1") })
		want := "human: 1\n"
		if jsonOut {
			want = "{\n  \"n\": 1\n}\n"
		}
		if err != nil || out.String() != want {
			t.Errorf("json=%v: Print wrote %q, %v; want %q", jsonOut, out.String(), err, want)
		}
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	cmd := &cobra.Command{}
	cmd.SetContext(t.Context())
	var got []string
	run := func(_ context.Context, o string) error { got = append(got, "run "+o); return nil }
	runF := func(_ context.Context, o string) error { got = append(got, "runF "+o); return nil }
	_ = Run(cmd, "a", nil, run)
	_ = Run(cmd, "b", runF, run)
	if strings.Join(got, ",") != "run a,runF b" {
		t.Errorf("calls = %v, want the real run without runF, runF with it", got)
	}
	if RequestID(nil) != "" || RequestID(&drs.Response{RequestID: "r1"}) != "r1" {
		t.Error("RequestID")
	}
}
