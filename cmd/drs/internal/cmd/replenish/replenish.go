// Package replenish implements drs replenish.
package replenish

import (
	"context"
	"errors"
	"io"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/spf13/cobra"
)

// Options are the inputs of drs replenish.
type Options struct {
	Factory *cmdutil.Factory
	SlotID  string
}

// NewCmdReplenish returns the replenish command. runF, when not nil, replaces
// the command's action (tests use it to check flag parsing).
func NewCmdReplenish(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	return &cobra.Command{
		Use:   "replenish SLOT",
		Short: "Order the product subscribed in a slot",
		Long: `Order the product the customer subscribed in SLOT.

A test device gets TEST_ORDER_PLACED (nothing is charged or shipped), any
other device STANDARD_ORDER_PLACED; while that order is open, DRS answers
ORDER_INPROGRESS and places nothing. A replenish is never retried once it
may have reached Amazon.

When the request may have reached DRS but no answer came back (a timeout,
a reset, an empty or undecodable reply, a 5xx), an order may have been
placed: drs replenish says so, says how to check (drs subscription-info,
drs order-info), and exits with status 3.

When standard input is not a terminal, the device must be named by
--model and --serial or DRS_DEVICE_MODEL and DRS_DEVICE_SERIAL, not only
remembered with drs device use.`,
		Example: `  drs replenish slot-1 --model CoffeeMaker01 --serial S1
  drs replenish slot-1 --json`,
		Args: cmdutil.ExactArgs("SLOT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.SlotID = args[0]
			return cmdutil.Run(cmd, opts, runF, Run)
		},
	}
}

// Result is the JSON output of drs replenish.
type Result struct {
	SlotID          string `json:"slotId"`
	DetailCode      string `json:"detailCode"`
	EventInstanceID string `json:"eventInstanceId"`
	RequestID       string `json:"requestId,omitempty"`
}

// Run places the order.
func Run(ctx context.Context, opts *Options) error {
	if err := opts.Factory.RequireExplicitDevice("replenish"); err != nil {
		return err
	}
	return cmdutil.WithDevice(ctx, opts.Factory, func(ctx context.Context, d *cmdutil.Device) (Result, error) {
		res, err := d.Client.Replenish(ctx, opts.SlotID)
		if errors.Is(err, drs.ErrOutcomeUnknown) {
			return Result{}, &cmdutil.OutcomeUnknownError{SlotID: opts.SlotID, Device: deviceFlags(d), Err: err}
		}
		if err != nil {
			return Result{}, err
		}
		return Result{SlotID: opts.SlotID, DetailCode: string(res.DetailCode), EventInstanceID: res.EventInstanceID,
			RequestID: cmdutil.RequestID(res.Response)}, nil
	}, printHuman)
}

// deviceFlags names d's device as flags for the commands in a hint.
func deviceFlags(d *cmdutil.Device) string {
	if d.FromEnv || d.Key.Validate() != nil {
		return ""
	}
	return "--model " + d.Key.DeviceModel + " --serial " + d.Key.Serial
}

func printHuman(w io.Writer, out Result) {
	cmdutil.Fprintf(w, "%s %s\n", cmdutil.Check, Describe(drs.DetailCode(out.DetailCode)))
	cmdutil.Fprintf(w, "  slot:            %s\n", out.SlotID)
	cmdutil.Fprintf(w, "  detailCode:      %s\n", out.DetailCode)
	if out.EventInstanceID != "" {
		cmdutil.Fprintf(w, "  eventInstanceId: %s\n", out.EventInstanceID)
	}
}

// Describe says in words what a detail code means.
func Describe(c drs.DetailCode) string {
	switch c {
	case drs.TestOrderPlaced:
		return "Test order placed (nothing is charged or shipped)"
	case drs.StandardOrderPlaced:
		return "Order placed"
	case drs.OrderInProgress:
		return "No order placed: an order for this slot is already in progress"
	}
	return "Replenish answered " + string(c)
}
