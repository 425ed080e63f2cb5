package replenish

import (
	"testing"

	"github.com/amazondrs/drs/cmd/drs/internal/cmdtest"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
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
		cmdtest.Check(t, f, tc.args, got, err, tc.want, tc.err)
	}
}
