package root

import (
	"runtime/debug"
	"strings"
	"testing"

	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
)

func Test_versionText(t *testing.T) {
	t.Parallel()
	vcs := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	for _, tc := range []struct {
		bi   *debug.BuildInfo
		ok   bool
		want string
	}{
		{nil, false, "(unknown version, commit unknown: the binary carries no build information)"},
		{&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, true, "(devel) (commit unknown, go1.26.8)"},
		{&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"},
			Settings: vcs("vcs.revision", "4c5f93512345678901234567890", "vcs.time", "2026-12-02T06:00:00Z", "vcs.modified", "true")}, true,
			"v1.2.3 (commit 4c5f93512345, 2026-12-02T06:00:00Z, modified, go1.26.8)"},
		{&debug.BuildInfo{Settings: vcs("vcs.revision", "abc")}, true, "(devel) (commit abc)"},
	} {
		if got := versionText(tc.bi, tc.ok); got != tc.want {
			t.Errorf("versionText = %q, want %q", got, tc.want)
		}
	}
}

// Test_NewCmdRoot: --version prints the build's version; the checks every
// command runs first refuse a malformed emulator, model or serial as usage
// errors, and leave drs sim alone.
func Test_NewCmdRoot(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  map[string]string
		out  string
		err  string
	}{
		{[]string{"--version"}, nil, "drs " + Version() + "\n", ""},
		{[]string{"token", "--emulator", "http://127.0.0.1:8181"}, nil, "", `invalid --emulator "http://127.0.0.1:8181"`},
		{[]string{"token"}, map[string]string{cmdutil.EnvEmulatorHost: "127.0.0.1:8181/x"}, "", `invalid DRS_EMULATOR_HOST "127.0.0.1:8181/x"`},
		{[]string{"login", "--model", "no spaces"}, nil, "", "invalid --model"},
		{[]string{"replenish", "s1"}, map[string]string{cmdutil.EnvSerial: "a/b"}, "", "invalid DRS_DEVICE_SERIAL"},
		{[]string{"sim", "--help"}, map[string]string{cmdutil.EnvEmulatorHost: "http://x"}, "drs sim", ""},
	} {
		var out, errOut strings.Builder
		f := &cmdutil.Factory{IO: cmdutil.IOStreams{Out: &out, ErrOut: &errOut}, Getenv: func(k string) string { return tc.env[k] }}
		cmd := NewCmdRoot(f)
		cmd.SetArgs(tc.args)
		err := cmd.Execute()
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("%v: err = %v, want a usage error with %q", tc.args, err, tc.err)
			}
		case err != nil || !strings.Contains(out.String(), tc.out):
			t.Errorf("%v: %v, stdout %q, want %q", tc.args, err, out.String(), tc.out)
		}
	}
}
