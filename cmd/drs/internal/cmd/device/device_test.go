package device

import (
	"testing"

	"github.com/amazondrs/drs/cmd/drs/internal/cmdtest"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
)

func Test_NewCmdDevice(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want Options
		err  string
	}{
		{[]string{"list"}, Options{Action: "list"}, ""},
		{[]string{"use", "CoffeeMaker01/S1"}, Options{Action: "use", Ref: cmdutil.DeviceRef{Model: "CoffeeMaker01", Serial: "S1"}}, ""},
		{[]string{"use", "--model", "M", "--serial", "S"}, Options{Action: "use", Ref: cmdutil.DeviceRef{Model: "M", Serial: "S"}}, ""},
		{[]string{"use", "--clear"}, Options{Action: "use", Clear: true}, ""},
		{[]string{"use"}, Options{}, "name the device: drs device use MODEL/SERIAL, or --model and --serial"},
		{[]string{"use", "--serial", "S"}, Options{}, "name the device: drs device use MODEL/SERIAL, or --model and --serial"},
		{[]string{"use", "S1"}, Options{}, `invalid device "S1": want MODEL/SERIAL, such as CoffeeMaker01/S1`},
		{[]string{"use", "M/"}, Options{}, `invalid device "M/": want MODEL/SERIAL, such as CoffeeMaker01/S1`},
		{[]string{"use", "M/S 1"}, Options{}, `invalid device "M/S 1": serial "S 1" must be 1-64 characters of A-Z a-z 0-9 - + _`},
		{[]string{"use", "--clear", "M/S"}, Options{}, "--clear takes no device"},
		{[]string{"use", "a/b", "c/d"}, Options{}, "too many arguments: device use takes at most MODEL/SERIAL"},
		{[]string{"list", "x"}, Options{}, "too many arguments: device list takes no arguments"},
		{[]string{"bogus"}, Options{}, `unknown command "bogus" for "device": want list or use`},
	} {
		f := &cmdutil.Factory{}
		got, err := cmdtest.Parse(f, NewCmdDevice, tc.args...)
		cmdtest.Check(t, f, tc.args, got, err, tc.want, tc.err)
	}
}
