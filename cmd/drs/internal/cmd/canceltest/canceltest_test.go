package canceltest

import (
	"testing"

	"github.com/amazondrs/drs/cmd/drs/internal/cmdtest"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func Test_NewCmdCancelTestOrders(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want Options
		err  string
	}{
		{nil, Options{}, ""},
		{[]string{"slot-1"}, Options{SlotID: "slot-1"}, ""},
		{[]string{"a", "b"}, Options{}, "too many arguments: cancel-test-orders takes at most SLOT"},
	} {
		f := &cmdutil.Factory{}
		got, err := cmdtest.Parse(f, NewCmdCancelTestOrders, tc.args...)
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
