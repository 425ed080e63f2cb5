// Package devicestatus implements drs device-status.
package devicestatus

import (
	"context"
	"io"

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
			return cmdutil.Run(cmd, opts, runF, Run)
		},
	}
	cmd.Flags().StringVar(&opts.LastActive, "last-active", "", "when the device was last active (RFC 3339 or YYYY-MM-DD; default now)")
	return cmd
}

// Result is the JSON output of drs device-status.
type Result struct {
	Reported               bool   `json:"reported"`
	MostRecentlyActiveDate string `json:"mostRecentlyActiveDate"`
}

// Run sends the report.
func Run(ctx context.Context, opts *Options) error {
	return cmdutil.WithDevice(ctx, opts.Factory, func(ctx context.Context, d *cmdutil.Device) (Result, error) {
		if err := d.Client.ReportDeviceStatus(ctx, opts.Status); err != nil {
			return Result{}, err
		}
		return Result{Reported: true, MostRecentlyActiveDate: cmdutil.TimeText(opts.Status.MostRecentlyActiveDate)}, nil
	}, func(w io.Writer, out Result) {
		cmdutil.Fprintf(w, "%s Device status reported\n  most recently active: %s\n", cmdutil.Check, out.MostRecentlyActiveDate)
	})
}
