// Package slotstatus implements drs slot-status.
package slotstatus

import (
	"context"
	"io"
	"math"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/spf13/cobra"
)

// Options are the inputs of drs slot-status.
type Options struct {
	Factory *cmdutil.Factory
	SlotID  string

	Remaining             float64
	Original              int
	OnHand                int
	ExpectedReplenishment string // RFC 3339; default now
	LastUse               string // RFC 3339; default now

	// Status is the report built from the flags.
	Status drs.SlotStatus
}

// NewCmdSlotStatus returns the slot-status command.
func NewCmdSlotStatus(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "slot-status SLOT --remaining N --original N",
		Short: "Report how full a slot is",
		Long: `Report how much product is left in SLOT. Amazon requires a report whenever a
slot's contents are consumed. Dates are RFC 3339 (2026-01-02T15:04:05Z) or
plain dates (2026-01-02); both default to now.`,
		Example: `  drs slot-status coffee-beans --remaining 3.5 --original 10
  drs slot-status coffee-beans --remaining 0 --original 10 --on-hand 2 \
      --expected-replenishment 2026-03-01T00:00:00Z --last-use 2026-02-27T08:15:00Z`,
		Args: cmdutil.ExactArgs("SLOT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.SlotID = args[0]
			if err := opts.build(cmd); err != nil {
				return err
			}
			return cmdutil.Run(cmd, opts, runF, Run)
		},
	}
	fl := cmd.Flags()
	fl.Float64Var(&opts.Remaining, "remaining", 0, "quantity left in the slot, in the slot's unit (required)")
	fl.IntVar(&opts.Original, "original", 0, "quantity of a full container, in the slot's unit (required)")
	fl.IntVar(&opts.OnHand, "on-hand", 0, "spare quantity not loaded in the device")
	fl.StringVar(&opts.ExpectedReplenishment, "expected-replenishment", "", "when the device expects to need more (RFC 3339 or YYYY-MM-DD; default now)")
	fl.StringVar(&opts.LastUse, "last-use", "", "when the slot was last used (RFC 3339 or YYYY-MM-DD; default now)")
	return cmd
}

// build checks the flags and fills opts.Status.
func (opts *Options) build(cmd *cobra.Command) error {
	for _, name := range []string{"remaining", "original"} {
		if !cmd.Flags().Changed(name) {
			return cmdutil.FlagErrorf("missing --%s", name)
		}
	}
	if math.IsNaN(opts.Remaining) || math.IsInf(opts.Remaining, 0) {
		return cmdutil.FlagErrorf("--remaining must be a number, got %v", opts.Remaining)
	}
	if opts.Remaining < 0 || opts.Original < 0 || opts.OnHand < 0 {
		return cmdutil.FlagErrorf("--remaining, --original and --on-hand must not be negative")
	}
	now := opts.Factory.NowTime()
	s := drs.SlotStatus{ExpectedReplenishmentDate: now, LastUseDate: now,
		RemainingQuantityInUnit: opts.Remaining, OriginalQuantityInUnit: opts.Original, TotalQuantityOnHand: opts.OnHand}
	var err error
	if opts.ExpectedReplenishment != "" {
		if s.ExpectedReplenishmentDate, err = cmdutil.ParseTime("expected-replenishment", opts.ExpectedReplenishment); err != nil {
			return err
		}
	}
	if opts.LastUse != "" {
		if s.LastUseDate, err = cmdutil.ParseTime("last-use", opts.LastUse); err != nil {
			return err
		}
	}
	opts.Status = s
	return nil
}

// Result is the JSON output of drs slot-status.
type Result struct {
	SlotID                    string  `json:"slotId"`
	Reported                  bool    `json:"reported"`
	ExpectedReplenishmentDate string  `json:"expectedReplenishmentDate"`
	RemainingQuantityInUnit   float64 `json:"remainingQuantityInUnit"`
	OriginalQuantityInUnit    int     `json:"originalQuantityInUnit"`
	TotalQuantityOnHand       int     `json:"totalQuantityOnHand"`
	LastUseDate               string  `json:"lastUseDate"`
}

// Run sends the report.
func Run(ctx context.Context, opts *Options) error {
	s := opts.Status
	return cmdutil.WithDevice(ctx, opts.Factory, func(ctx context.Context, d *cmdutil.Device) (Result, error) {
		if err := d.Client.ReportSlotStatus(ctx, opts.SlotID, s); err != nil {
			return Result{}, err
		}
		return Result{SlotID: opts.SlotID, Reported: true,
			ExpectedReplenishmentDate: cmdutil.TimeText(s.ExpectedReplenishmentDate),
			RemainingQuantityInUnit:   s.RemainingQuantityInUnit, OriginalQuantityInUnit: s.OriginalQuantityInUnit,
			TotalQuantityOnHand: s.TotalQuantityOnHand, LastUseDate: cmdutil.TimeText(s.LastUseDate)}, nil
	}, printHuman)
}

func printHuman(w io.Writer, out Result) {
	cmdutil.Fprintf(w, "%s Slot status reported for slot %s\n", cmdutil.Check, out.SlotID)
	cmdutil.Fprintf(w, "  remaining:              %g of %d\n", out.RemainingQuantityInUnit, out.OriginalQuantityInUnit)
	cmdutil.Fprintf(w, "  on hand:                %d\n", out.TotalQuantityOnHand)
	cmdutil.Fprintf(w, "  last use:               %s\n", out.LastUseDate)
	cmdutil.Fprintf(w, "  expected replenishment: %s\n", out.ExpectedReplenishmentDate)
}
