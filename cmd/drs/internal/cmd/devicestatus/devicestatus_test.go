package devicestatus

import (
	"testing"

	"github.com/amazondrs/drs/cmd/drs/internal/cmdtest"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func Test_NewCmdDeviceStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want Options
		err  string
	}{
		{nil, Options{}, ""},
		{[]string{"--last-active", "2026-02-01"}, Options{LastActive: "2026-02-01"}, ""},
		{[]string{"--last-active", "2026-13-01"}, Options{}, "invalid --last-active \"2026-13-01\": want an RFC 3339 date such as 2026-01-02T15:04:05Z, or 2026-01-02"},
		{[]string{"x"}, Options{}, "too many arguments: device-status takes no arguments"},
	} {
		f := &cmdutil.Factory{}
		got, err := cmdtest.Parse(f, NewCmdDeviceStatus, tc.args...)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("%v: err = %v, want usage error %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || got == nil || got.Factory != f {
			t.Fatalf("%v: %v, %+v", tc.args, err, got)
		}
		if diff := cmp.Diff(&tc.want, got, cmpopts.IgnoreFields(Options{}, "Factory", "Status")); diff != "" {
			t.Errorf("%v: options (-want +got):\n%s", tc.args, diff)
		}
	}
}
