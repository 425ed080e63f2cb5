package devicestatus

import (
	"testing"

	"github.com/amazondrs/drs/cmd/drs/internal/cmdtest"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
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
		cmdtest.Check(t, f, tc.args, got, err, tc.want, tc.err, "Status")
	}
}
