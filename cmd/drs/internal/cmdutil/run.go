package cmdutil

import (
	"context"
	"io"

	"github.com/amazondrs/drs"
	"github.com/spf13/cobra"
)

// Run is the RunE body every command shares: it calls runF with opts when a
// test gave one (to check flag parsing without side effects), else run.
func Run[O any](cmd *cobra.Command, opts O, runF, run func(context.Context, O) error) error {
	if runF != nil {
		return runF(cmd.Context(), opts)
	}
	return run(cmd.Context(), opts)
}

// Print writes a command's result to stdout: out as JSON with --json, else
// what human writes.
func (f *Factory) Print(out any, human func(w io.Writer)) error {
	if f.Global.JSON {
		return WriteJSON(f.IO.Out, out)
	}
	human(f.IO.Out)
	return nil
}

// WithDevice runs one DRS call for the device named by the global flags: it
// opens the device (client, refresh token and store), calls call, closes
// the device and prints the result with [Factory.Print], human writing the
// human-readable form.
func WithDevice[T any](ctx context.Context, f *Factory, call func(context.Context, *Device) (T, error), human func(io.Writer, T)) error {
	d, err := f.Device(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	out, err := call(ctx, d)
	if err != nil {
		return err
	}
	return f.Print(out, func(w io.Writer) { human(w, out) })
}

// RequestID returns the X-Amzn-Requestid of a DRS answer, "" without one.
func RequestID(r *drs.Response) string {
	if r == nil {
		return ""
	}
	return r.RequestID
}
