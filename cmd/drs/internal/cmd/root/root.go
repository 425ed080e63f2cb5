// Package root assembles the drs command tree.
package root

import (
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/canceltest"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/demo"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/deregister"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/device"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/devicestatus"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/login"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/orderinfo"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/replenish"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/serve"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/sim"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/slotstatus"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/subscription"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/token"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdRoot returns the drs command with every subcommand.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "drs <command>",
		Short: "Amazon Dash Replenishment Service from the command line",
		Long: `drs links devices with Login with Amazon and calls Amazon Dash
Replenishment Service (DRS) for them, or for the local emulator.

Credentials come from --client-id/--client-secret or DRS_CLIENT_ID and
DRS_CLIENT_SECRET; with an emulator (--emulator or DRS_EMULATOR_HOST) and no
credentials, the emulator's ready-made ones are used. A device is named by
--model and --serial (DRS_DEVICE_MODEL, DRS_DEVICE_SERIAL); its refresh token
is kept in the token store (--store, DRS_STORE), or given in
DRS_REFRESH_TOKEN. Tokens and the client secret are never printed.

Exit status: 0 on success, 1 when the API or the run fails, 2 on a usage
error, 3 when a replenish ended without an answer and an order may have
been placed (check with drs subscription-info or drs order-info before
ordering again), 130 when Ctrl+C stopped the command (143 for SIGTERM).
Errors are printed to stderr as "error: <message> (code N)" with the
library's error code, followed by advice; with --json, as
{"error": {"message", "code", "exitStatus", "kind", "hint"}}. No error
ever shows the store's password, the client secret or a token.`,
		Example: `  drs demo                                   # the whole job, on an in-process emulator
  drs sim                                    # an emulator on 127.0.0.1:8181
  export DRS_EMULATOR_HOST=127.0.0.1:8181
  drs login --model CoffeeMaker01 --serial S1 --test
  drs replenish <slot> --model CoffeeMaker01 --serial S1`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       Version(),
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return preRun(cmd, f)
		},
	}
	cmd.SetVersionTemplate("drs {{.Version}}\n")
	cmd.SetIn(f.IO.In)
	cmd.SetOut(f.IO.Out)
	cmd.SetErr(f.IO.ErrOut)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })
	f.AddGlobalFlags(cmd.PersistentFlags())

	cmd.AddGroup(&cobra.Group{ID: "device", Title: "Device commands:"}, &cobra.Group{ID: "emulator", Title: "Emulator commands:"})
	for _, c := range []*cobra.Command{
		login.NewCmdLogin(f, nil),
		replenish.NewCmdReplenish(f, nil),
		canceltest.NewCmdCancelTestOrders(f, nil),
		slotstatus.NewCmdSlotStatus(f, nil),
		devicestatus.NewCmdDeviceStatus(f, nil),
		subscription.NewCmdSubscriptionInfo(f, nil),
		orderinfo.NewCmdOrderInfo(f, nil),
		deregister.NewCmdDeregister(f, nil),
		token.NewCmdToken(f, nil),
		device.NewCmdDevice(f, nil),
	} {
		c.GroupID = "device"
		cmd.AddCommand(c)
	}
	for _, c := range []*cobra.Command{sim.NewCmdSim(f, nil), demo.NewCmdDemo(f, nil)} {
		c.GroupID = "emulator"
		cmd.AddCommand(c)
	}
	cmd.AddCommand(serve.NewCmdServe(f, nil))
	markNetwork(cmd, "login", "replenish", "cancel-test-orders", "slot-status", "device-status", "subscription-info", "order-info", "deregister")
	return cmd
}

// markNetwork annotates the named subcommands of root as calling Amazon or
// the emulator (cmdutil.AnnotationNetwork).
func markNetwork(root *cobra.Command, names ...string) {
	for _, c := range root.Commands() {
		for _, n := range names {
			if c.Name() == n {
				if c.Annotations == nil {
					c.Annotations = map[string]string{}
				}
				c.Annotations[cmdutil.AnnotationNetwork] = "true"
			}
		}
	}
}

// preRun runs before every command: it refuses a malformed --emulator,
// --model or --serial (or their variables) as usage errors, and checks
// that a configured emulator listens before a command that calls it.
// drs sim and drs demo run their own emulator and are not checked.
func preRun(cmd *cobra.Command, f *cmdutil.Factory) error {
	for c := cmd; c != nil; c = c.Parent() {
		switch c.Name() {
		case "help", "completion", cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd:
			return nil
		}
	}
	if cmd.GroupID == "emulator" {
		return nil
	}
	if err := f.CheckEmulatorHost(); err != nil {
		return err
	}
	if err := f.CheckDeviceFlags(); err != nil {
		return err
	}
	if cmd.Annotations[cmdutil.AnnotationNetwork] == "true" {
		return f.CheckEmulatorReachable(cmd.Context())
	}
	return nil
}
