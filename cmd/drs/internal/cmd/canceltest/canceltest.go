// Package canceltest implements drs cancel-test-orders.
package canceltest

import (
	"context"
	"io"

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
		Example: `  drs cancel-test-orders coffee-beans
  drs cancel-test-orders --json`,
		Args: cmdutil.MaxArgs("SLOT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.SlotID = args[0]
			}
			return cmdutil.Run(cmd, opts, runF, Run)
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
	return cmdutil.WithDevice(ctx, opts.Factory, func(ctx context.Context, d *cmdutil.Device) (Result, error) {
		var res *drs.CancelTestOrdersResult
		var err error
		if opts.SlotID != "" {
			res, err = d.Client.CancelTestOrder(ctx, opts.SlotID)
		} else {
			res, err = d.Client.CancelAllTestOrders(ctx)
		}
		if err != nil {
			return Result{}, err
		}
		out := Result{SlotOrderStatuses: res.SlotOrderStatuses, RequestID: cmdutil.RequestID(res.Response)}
		if out.SlotOrderStatuses == nil {
			out.SlotOrderStatuses = []drs.SlotOrderStatus{}
		}
		return out, nil
	}, func(w io.Writer, out Result) {
		what := "every slot"
		if opts.SlotID != "" {
			what = "slot " + opts.SlotID
		}
		cmdutil.Fprintf(w, "%s Test orders cancelled for %s\n", cmdutil.Check, what)
		for _, s := range out.SlotOrderStatuses {
			cmdutil.Fprintf(w, "  %s: %s%s\n", s.SlotID, s.OrderStatus, explain(s.OrderStatus))
		}
	})
}

// explain says why a slot is still blocked after the cancellation.
func explain(status string) string {
	if status == string(drs.OrderInProgress) {
		return " (a real order is still open: only test orders can be cancelled)"
	}
	return ""
}
