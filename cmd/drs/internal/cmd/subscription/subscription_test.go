package subscription

import (
	"testing"

	"github.com/amazondrs/drs/cmd/drs/internal/cmdtest"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
)

func Test_NewCmdSubscriptionInfo(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want Options
		err  string
	}{
		{nil, Options{}, ""},
		{[]string{"--v1"}, Options{V1: true}, ""},
		{[]string{"x"}, Options{}, "too many arguments: subscription-info takes no arguments"},
		{[]string{"--v1=maybe"}, Options{}, `invalid argument "maybe" for "--v1" flag: strconv.ParseBool: parsing "maybe": invalid syntax`},
	} {
		f := &cmdutil.Factory{}
		got, err := cmdtest.Parse(f, NewCmdSubscriptionInfo, tc.args...)
		cmdtest.Check(t, f, tc.args, got, err, tc.want, tc.err)
	}
}
