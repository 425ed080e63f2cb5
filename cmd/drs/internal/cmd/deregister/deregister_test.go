package deregister

import (
	"testing"

	"github.com/amazondrs/drs/cmd/drs/internal/cmdtest"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
)

func Test_NewCmdDeregister(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want Options
		err  string
	}{
		{nil, Options{}, ""},
		{[]string{"--model", "M", "--serial", "S"}, Options{}, ""},
		{[]string{"extra"}, Options{}, "too many arguments: deregister takes no arguments"},
		{[]string{"--force"}, Options{}, "unknown flag: --force"},
	} {
		f := &cmdutil.Factory{}
		got, err := cmdtest.Parse(f, NewCmdDeregister, tc.args...)
		cmdtest.Check(t, f, tc.args, got, err, tc.want, tc.err)
	}
}
