// Package devicestatus implements drs device-status.
package devicestatus

import (
	"context"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/spf13/cobra"
)

// Options are the inputs of drs device-status.
type Options struct {
	Factory    *cmdutil.Factory
	LastActive string // RFC 3339; default now

	// Status is the report built from the flags.
	Status drs.DeviceStatus
}

// NewCmdDeviceStatus returns the device-status command.
func NewCmdDeviceStatus(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "device-status",
		Short: "Report that the device is alive",
		Long: `Tell DRS when the device was last active. Amazon requires this report once
a day.`,
		Example: `  drs device-status
  drs device-status --last-active 2026-02-27T08:15:00Z`,
		Args: cmdutil.ExactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Status.MostRecentlyActiveDate = opts.Factory.NowTime()
			if opts.LastActive != "" {
				t, err := cmdutil.ParseTime("last-active", opts.LastActive)
				if err != nil {
					return err
				}
				opts.Status.MostRecentlyActiveDate = t
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.LastActive, "last-active", "", "when the device was last active (RFC 3339; default now)")
	return cmd
}

// Result is the JSON output of drs device-status.
type Result struct {
	Reported               bool   `json:"reported"`
	MostRecentlyActiveDate string `json:"mostRecentlyActiveDate"`
}

// Run sends the report.
func Run(ctx context.Context, opts *Options) error {
	f := opts.Factory
	d, err := f.Device(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Client.ReportDeviceStatus(ctx, opts.Status); err != nil {
		return err
	}
	out := Result{Reported: true, MostRecentlyActiveDate: opts.Status.MostRecentlyActiveDate.UTC().Format(time.RFC3339)}
	if f.Global.JSON {
		return cmdutil.WriteJSON(f.IO.Out, out)
	}
	cmdutil.Fprintf(f.IO.Out, "%s Device status reported\n  most recently active: %s\n", cmdutil.Check, out.MostRecentlyActiveDate)
	return nil
}
