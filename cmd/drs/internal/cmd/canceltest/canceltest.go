// Package canceltest implements drs cancel-test-orders.
package canceltest

import (
	"context"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/spf13/cobra"
)

// Options are the inputs of drs cancel-test-orders.
type Options struct {
	Factory *cmdutil.Factory
	// SlotID is the slot whose test order to cancel; "" cancels every slot's.
	SlotID string
}

// NewCmdCancelTestOrders returns the cancel-test-orders command.
func NewCmdCancelTestOrders(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	return &cobra.Command{
		Use:   "cancel-test-orders [SLOT]",
		Short: "Cancel the test order of one slot, or of every slot",
		Long: `Cancel the open test order of SLOT, or of every slot when no SLOT is given,
so that the next replenish places a new test order instead of answering
ORDER_INPROGRESS. Only a test device's orders can be cancelled this way.`,
		Example: `  drs cancel-test-orders slot-1
  drs cancel-test-orders --json`,
		Args: cmdutil.MaxArgs("SLOT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.SlotID = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
}

// Result is the JSON output of drs cancel-test-orders.
type Result struct {
	SlotOrderStatuses []drs.SlotOrderStatus `json:"slotOrderStatuses"`
	RequestID         string                `json:"requestId,omitempty"`
}

// Run cancels the test orders.
func Run(ctx context.Context, opts *Options) error {
	f := opts.Factory
	d, err := f.Device(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	var res *drs.CancelTestOrdersResult
	if opts.SlotID != "" {
		res, err = d.Client.CancelTestOrder(ctx, opts.SlotID)
	} else {
		res, err = d.Client.CancelAllTestOrders(ctx)
	}
	if err != nil {
		return err
	}
	out := Result{SlotOrderStatuses: res.SlotOrderStatuses}
	if out.SlotOrderStatuses == nil {
		out.SlotOrderStatuses = []drs.SlotOrderStatus{}
	}
	if res.Response != nil {
		out.RequestID = res.Response.RequestID
	}
	if f.Global.JSON {
		return cmdutil.WriteJSON(f.IO.Out, out)
	}
	w := f.IO.Out
	what := "every slot"
	if opts.SlotID != "" {
		what = "slot " + opts.SlotID
	}
	cmdutil.Fprintf(w, "%s Test orders cancelled for %s\n", cmdutil.Check, what)
	for _, s := range out.SlotOrderStatuses {
		cmdutil.Fprintf(w, "  %s: %s\n", s.SlotID, s.OrderStatus)
	}
	return nil
}
