// Package cmdtest runs a drs command's constructor on argv with a runF
// that records the options, for the Test_NewCmdX tables beside each
// command (as gh's tests do).
package cmdtest

import (
	"context"
	"io"

	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
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
