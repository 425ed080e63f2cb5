// Package orderinfo implements drs order-info.
package orderinfo

import (
	"context"
	"io"

	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/spf13/cobra"
)

// Options are the inputs of drs order-info.
type Options struct {
	Factory *cmdutil.Factory
	// ID is the order's event instance ID.
	ID string
}

// NewCmdOrderInfo returns the order-info command.
func NewCmdOrderInfo(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	return &cobra.Command{
		Use:   "order-info ID",
		Short: "Show an order placed by replenish",
		Long: `Show the order with event instance ID (the eventInstanceId printed by
drs replenish, or from an SNS notification).`,
		Example: `  drs order-info amzn1.dash.v2.o.ci4wMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDAu`,
		Args:    cmdutil.ExactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			return cmdutil.Run(cmd, opts, runF, Run)
		},
	}
}

// Result is the JSON output of drs order-info.
type Result struct {
	InstanceID string `json:"instanceId"`
	Items      []Item `json:"orderItems"`
	RequestID  string `json:"requestId,omitempty"`
}

// Item is one item of the order in Result.
type Item struct {
	SlotID               string `json:"slotId"`
	ASIN                 string `json:"asin"`
	Quantity             int    `json:"quantity"`
	Status               string `json:"status"`
	ExpectedDeliveryDate string `json:"expectedDeliveryDate"`
}

// Run reads the order.
func Run(ctx context.Context, opts *Options) error {
	return cmdutil.WithDevice(ctx, opts.Factory, func(ctx context.Context, d *cmdutil.Device) (Result, error) {
		o, err := d.Client.OrderInfo(ctx, opts.ID)
		if err != nil {
			return Result{}, err
		}
		out := Result{InstanceID: o.InstanceID, Items: []Item{}, RequestID: cmdutil.RequestID(o.Response)}
		for _, it := range o.Items {
			out.Items = append(out.Items, Item{SlotID: it.SlotID, ASIN: it.ASIN, Quantity: it.Quantity,
				Status: it.Status, ExpectedDeliveryDate: cmdutil.TimeText(it.ExpectedDeliveryDate)})
		}
		return out, nil
	}, printHuman)
}

func printHuman(w io.Writer, out Result) {
	cmdutil.Fprintf(w, "Order %s\n", out.InstanceID)
	if len(out.Items) == 0 {
		cmdutil.Fprintf(w, "  no items\n")
	}
	for _, it := range out.Items {
		cmdutil.Fprintf(w, "  slot %s: %d x %s, %s, expected delivery %s\n", it.SlotID, it.Quantity, it.ASIN, it.Status, it.ExpectedDeliveryDate)
	}
}
