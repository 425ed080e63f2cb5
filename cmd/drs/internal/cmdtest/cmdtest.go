// Package cmdtest runs a drs command's constructor on argv with a runF
// that records the options, for the Test_NewCmdX tables beside each
// command (as gh's tests do).
package cmdtest

import (
	"context"
	"io"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
)

// Parse builds the command with newCmd on f, runs it on args with the
// global flags bound to f (as the root command does), and returns the
// options its runF got (the zero O if it was not called) and the error.
func Parse[O any](f *cmdutil.Factory, newCmd func(*cmdutil.Factory, func(context.Context, O) error) *cobra.Command, args ...string) (O, error) {
	var got O
	cmd := newCmd(f, func(_ context.Context, o O) error { got = o; return nil })
	fs := pflag.NewFlagSet("drs", pflag.ContinueOnError)
	f.AddGlobalFlags(fs)
	cmd.PersistentFlags().AddFlagSet(fs)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SetContext(context.Background())
	_, err := cmd.ExecuteC()
	return got, err
}

// Check compares what Parse returned for args with one table row: the usage
// error wantErr (which must exit 2), or else options equal to want, whose
// Factory field is ignored by the comparison but must be f. It reports
// whether the command parsed, so a row can check more after it. ignore
// names more fields the comparison leaves out (ones a row checks itself).
func Check[T any](t *testing.T, f *cmdutil.Factory, args []string, got *T, err error, want T, wantErr string, ignore ...string) bool {
	t.Helper()
	if wantErr != "" {
		if err == nil || err.Error() != wantErr || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%v: err = %v, want usage error %q", args, err, wantErr)
		}
		return false
	}
	if err != nil || got == nil {
		t.Fatalf("%v: %v, %+v", args, err, got)
	}
	if fv := reflect.ValueOf(got).Elem().FieldByName("Factory"); !fv.IsValid() || fv.Interface() != any(f) {
		t.Fatalf("%v: the options do not hold the command's Factory", args)
	}
	var zero T
	if diff := cmp.Diff(&want, got, cmpopts.IgnoreFields(zero, append([]string{"Factory"}, ignore...)...)); diff != "" {
		t.Errorf("%v: options (-want +got):\n%s", args, diff)
	}
	return true
}
