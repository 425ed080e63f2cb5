package replenish

import (
	"testing"

	"github.com/amazondrs/drs/cmd/drs/internal/cmdtest"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func Test_NewCmdReplenish(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want Options
		err  string
	}{
		{[]string{"slot-1"}, Options{SlotID: "slot-1"}, ""},
		{[]string{"slot-1", "--serial", "S1", "--json"}, Options{SlotID: "slot-1"}, ""},
		{nil, Options{}, "missing argument SLOT"},
		{[]string{"a", "b"}, Options{}, "too many arguments: replenish takes SLOT"},
		{[]string{"a", "--bogus"}, Options{}, "unknown flag: --bogus"},
	} {
		f := &cmdutil.Factory{}
		got, err := cmdtest.Parse(f, NewCmdReplenish, tc.args...)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("%v: err = %v, want usage error %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || got == nil || got.Factory != f {
			t.Fatalf("%v: %v, %+v", tc.args, err, got)
		}
		if diff := cmp.Diff(&tc.want, got, cmpopts.IgnoreFields(Options{}, "Factory")); diff != "" {
			t.Errorf("%v: options (-want +got):\n%s", tc.args, diff)
		}
	}
}
