package token

import (
	"strings"
	"testing"

	"github.com/amazondrs/drs/cmd/drs/internal/cmdtest"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
)

func Test_NewCmdToken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args    []string
		want    Options
		err     string
		warning string // on stderr: the deprecated flag's replacement
	}{
		{nil, Options{Action: ActionShow}, "", ""},
		{[]string{"show"}, Options{Action: ActionShow}, "", ""},
		{[]string{"show", "--reveal"}, Options{Action: ActionShow, Reveal: true}, "", ""},
		{[]string{"delete", "--serial", "S1"}, Options{Action: ActionDelete}, "", ""},
		{[]string{"reencrypt"}, Options{Action: ActionReencrypt}, "", ""},
		// The old flags, hidden and deprecated.
		{[]string{"--reveal"}, Options{Action: ActionShow, Reveal: true, Deprecated: "--reveal"}, "", "use drs token show --reveal"},
		{[]string{"--delete"}, Options{Action: ActionDelete, Deprecated: "--delete"}, "", "use drs token delete"},
		{[]string{"--reencrypt"}, Options{Action: ActionReencrypt, Deprecated: "--reencrypt"}, "", "use drs token reencrypt"},
		{[]string{"--delete", "--reveal"}, Options{}, "--reveal, --delete and --reencrypt cannot be used together", ""},
		{[]string{"bogus"}, Options{}, `unknown command "bogus" for "token": want show, delete or reencrypt`, ""},
		{[]string{"delete", "--reveal"}, Options{}, "unknown flag: --reveal", ""},
		{[]string{"show", "x"}, Options{}, "too many arguments: token show takes no arguments", ""},
	} {
		var errOut strings.Builder
		f := &cmdutil.Factory{IO: cmdutil.IOStreams{ErrOut: &errOut}}
		got, err := cmdtest.Parse(f, NewCmdToken, tc.args...)
		if !cmdtest.Check(t, f, tc.args, got, err, tc.want, tc.err) {
			continue
		}
		if (tc.warning == "") != (errOut.Len() == 0) || !strings.Contains(errOut.String(), tc.warning) {
			t.Errorf("%v: stderr %q, want a warning with %q", tc.args, errOut.String(), tc.warning)
		}
	}
}
