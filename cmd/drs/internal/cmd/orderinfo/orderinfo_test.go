package orderinfo

import (
	"testing"

	"github.com/amazondrs/drs/cmd/drs/internal/cmdtest"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
)

func Test_NewCmdOrderInfo(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want Options
		err  string
	}{
		{[]string{"amzn1.dash.v2.o.x"}, Options{ID: "amzn1.dash.v2.o.x"}, ""},
		{nil, Options{}, "missing argument ID"},
		{[]string{"a", "b"}, Options{}, "too many arguments: order-info takes ID"},
	} {
		f := &cmdutil.Factory{}
		got, err := cmdtest.Parse(f, NewCmdOrderInfo, tc.args...)
		cmdtest.Check(t, f, tc.args, got, err, tc.want, tc.err)
	}
}
