package canceltest

import (
	"testing"

	"github.com/amazondrs/drs/cmd/drs/internal/cmdtest"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
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
		cmdtest.Check(t, f, tc.args, got, err, tc.want, tc.err)
	}
}
