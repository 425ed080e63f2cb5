// Package subscription implements drs subscription-info.
package subscription

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/spf13/cobra"
)

// Options are the inputs of drs subscription-info.
type Options struct {
	Factory *cmdutil.Factory
	// V1 asks for result version 1.0 (no products).
	V1 bool
}

// NewCmdSubscriptionInfo returns the subscription-info command.
func NewCmdSubscriptionInfo(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "subscription-info",
		Short: "Show which slots are subscribed, and to which products",
		Example: `  drs subscription-info
  drs subscription-info --v1 --json`,
		Args: cmdutil.ExactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.Run(cmd, opts, runF, Run)
		},
	}
	cmd.Flags().BoolVar(&opts.V1, "v1", false, "ask for result version 1.0 (subscribed or not, without products)")
	return cmd
}

// Result is the JSON output of drs subscription-info.
type Result struct {
	Version   string          `json:"version"`
	Slots     map[string]Slot `json:"slots"`
	RequestID string          `json:"requestId,omitempty"`
}

// Slot is one slot's subscription in Result.
type Slot struct {
	Subscribed bool              `json:"subscribed"`
	Products   []drs.ProductInfo `json:"products"`
}

// Run reads the subscription info.
func Run(ctx context.Context, opts *Options) error {
	return cmdutil.WithDevice(ctx, opts.Factory, func(ctx context.Context, d *cmdutil.Device) (Result, error) {
		get := d.Client.SubscriptionInfo
		if opts.V1 {
			get = d.Client.SubscriptionInfoV1
		}
		info, err := get(ctx)
		if err != nil {
			return Result{}, err
		}
		out := Result{Version: info.Version, Slots: map[string]Slot{}, RequestID: cmdutil.RequestID(info.Response)}
		for id, s := range info.Slots {
			p := s.Products
			if p == nil {
				p = []drs.ProductInfo{}
			}
			out.Slots[id] = Slot{Subscribed: s.Subscribed, Products: p}
		}
		return out, nil
	}, func(w io.Writer, out Result) {
		cmdutil.Fprintf(w, "Subscription info (result version %s)\n", out.Version)
		if len(out.Slots) == 0 {
			cmdutil.Fprintf(w, "  no slots\n")
		}
		for _, id := range slices.Sorted(maps.Keys(out.Slots)) {
			s := out.Slots[id]
			state := "not subscribed"
			if s.Subscribed {
				state = "subscribed"
			}
			cmdutil.Fprintf(w, "  %s: %s%s\n", id, state, products(s.Products))
		}
	})
}

func products(ps []drs.ProductInfo) string {
	var b strings.Builder
	for i, p := range ps {
		if i == 0 {
			b.WriteString(" to ")
		} else {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (%d %s)", p.ASIN, p.Quantity, p.Unit)
	}
	return b.String()
}
