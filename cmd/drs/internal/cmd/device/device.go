// Package device implements drs device list and drs device use: the
// devices a token store holds for the client ID, and the one used when no
// flag or variable names a device.
package device

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/amazondrs/drs/store"
	"github.com/spf13/cobra"
)

// Options are the inputs of drs device list and drs device use.
type Options struct {
	Factory *cmdutil.Factory
	// Action is "list" or "use".
	Action string
	// Ref is the device drs device use makes the default; empty with Clear.
	Ref cmdutil.DeviceRef
	// Clear makes drs device use forget the default.
	Clear bool
}

// NewCmdDevice returns the device command with its list and use
// subcommands; runF, when not nil, replaces their action.
func NewCmdDevice(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "device <command>",
		Short: "List the linked devices and choose the default one",
		Long: `List the devices whose refresh token the token store holds for the client
ID, and choose the one the device commands use when no flag or variable names
a device, as gh auth status and gh auth switch do for accounts.

A device is named by, in this order: --model and --serial, then
DRS_DEVICE_MODEL and DRS_DEVICE_SERIAL, then the device remembered with drs
device use (only when none of these names any part of the device and
DRS_REFRESH_TOKEN is not set), then, for the model, the emulator's default.
Every device command prints the device it uses. When standard input is not
a terminal, replenish and deregister refuse the remembered device: a
script names the device it orders for or unlinks.

The default is kept per client ID in the CLI's config file (DRS_CONFIG, or
~/.config/amazondrs/config.json on Linux, beside the default token file).`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return cmdutil.FlagErrorf("unknown command %q for %q: want list or use", args[0], cmd.CommandPath())
			}
			return cmd.Help()
		},
	}
	cmd.AddCommand(newCmdList(f, runF), newCmdUse(f, runF))
	return cmd
}

func newCmdList(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f, Action: "list"}
	return &cobra.Command{
		Use:     "list",
		Short:   "List the devices linked in the token store for the client ID",
		Example: "  drs device list\n  drs device list --json",
		Args:    cmdutil.ExactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.Run(cmd, opts, runF, Run)
		},
	}
}

func newCmdUse(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f, Action: "use"}
	cmd := &cobra.Command{
		Use:   "use [MODEL/SERIAL]",
		Short: "Make a linked device the default of the client ID",
		Long: `Make the device MODEL/SERIAL (or the one --model and --serial name) the
default of the client ID: the device commands use it when no flag or
variable names a device. The device must have a refresh token in the
token store (link it with drs login first). --clear forgets the default.`,
		Example: "  drs device use CoffeeMaker01/S1\n  drs device use --model CoffeeMaker01 --serial S1\n  drs device use --clear",
		Args:    cmdutil.MaxArgs("MODEL/SERIAL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := useRef(f, args, opts.Clear)
			if err != nil {
				return err
			}
			opts.Ref = ref
			return cmdutil.Run(cmd, opts, runF, Run)
		},
	}
	cmd.Flags().BoolVar(&opts.Clear, "clear", false, "forget the default device of the client ID")
	return cmd
}

// useRef returns the device drs device use names: MODEL/SERIAL, else the
// device flags or variables.
func useRef(f *cmdutil.Factory, args []string, clear bool) (cmdutil.DeviceRef, error) {
	if clear {
		if len(args) > 0 {
			return cmdutil.DeviceRef{}, cmdutil.FlagErrorf("--clear takes no device")
		}
		return cmdutil.DeviceRef{}, nil
	}
	if len(args) == 1 {
		model, serial, ok := strings.Cut(args[0], "/")
		if !ok || model == "" || serial == "" {
			return cmdutil.DeviceRef{}, cmdutil.FlagErrorf("invalid device %q: want MODEL/SERIAL, such as CoffeeMaker01/S1", args[0])
		}
		if err := (drs.Device{Model: model, Serial: serial}).Validate(); err != nil {
			return cmdutil.DeviceRef{}, cmdutil.FlagErrorf("invalid device %q: %v", args[0], err)
		}
		return cmdutil.DeviceRef{Model: model, Serial: serial}, nil
	}
	d := f.DeviceName()
	if d.Remembered || d.Model == "" || d.Serial == "" {
		return cmdutil.DeviceRef{}, cmdutil.FlagErrorf("name the device: drs device use MODEL/SERIAL, or --model and --serial")
	}
	return cmdutil.DeviceRef{Model: d.Model, Serial: d.Serial}, nil
}

// Run runs drs device list or drs device use.
func Run(ctx context.Context, opts *Options) error {
	if opts.Action == "use" {
		return runUse(ctx, opts)
	}
	return runList(ctx, opts)
}

// ListResult is the JSON output of drs device list.
type ListResult struct {
	ClientID string `json:"clientId"`
	Store    string `json:"store"`
	// Default is the remembered device, nil when none is.
	Default *cmdutil.DeviceRef `json:"default"`
	Devices []Entry            `json:"devices"`
}

// Entry is one device in ListResult.
type Entry struct {
	Model   string `json:"model"`
	Serial  string `json:"serial"`
	Default bool   `json:"default"`
}

func runList(ctx context.Context, opts *Options) error {
	f := opts.Factory
	id, err := f.ClientID()
	if err != nil {
		return err
	}
	out := ListResult{ClientID: id, Devices: []Entry{}}
	if ref, ok, err := f.Remembered(); err != nil {
		return err
	} else if ok {
		out.Default = &ref
	}
	st, err := f.Store(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	out.Store = f.StoreLocation(st)
	l, ok := st.(store.Lister)
	if !ok {
		return fmt.Errorf("the token store %s cannot list its devices", out.Store)
	}
	keys, err := l.List(ctx, id)
	if err != nil {
		return cmdutil.StoreReadError(err)
	}
	for _, k := range keys {
		e := Entry{Model: k.DeviceModel, Serial: k.Serial}
		e.Default = out.Default != nil && *out.Default == cmdutil.DeviceRef{Model: e.Model, Serial: e.Serial}
		out.Devices = append(out.Devices, e)
	}
	return f.Print(out, func(w io.Writer) { printList(w, out) })
}

func printList(w io.Writer, out ListResult) {
	cmdutil.Fprintf(w, "Devices of client ID %s in %s:\n", out.ClientID, out.Store)
	if len(out.Devices) == 0 {
		cmdutil.Fprintf(w, "  none (link one with drs login --model M --serial S)\n")
	}
	for _, e := range out.Devices {
		mark := " "
		if e.Default {
			mark = "*"
		}
		cmdutil.Fprintf(w, "%s %s/%s\n", mark, e.Model, e.Serial)
	}
	switch {
	case out.Default == nil:
		cmdutil.Fprintf(w, "No default device (choose one with drs device use MODEL/SERIAL).\n")
	case !hasDefault(out):
		cmdutil.Fprintf(w, "The default device %s has no token in this store (link it again, or choose another with drs device use).\n", out.Default)
	default:
		cmdutil.Fprintf(w, "* is the default device (drs device use).\n")
	}
}

func hasDefault(out ListResult) bool {
	for _, e := range out.Devices {
		if e.Default {
			return true
		}
	}
	return false
}

// UseResult is the JSON output of drs device use.
type UseResult struct {
	ClientID string `json:"clientId"`
	// Default is the device now remembered, nil after --clear.
	Default *cmdutil.DeviceRef `json:"default"`
	Config  string             `json:"config"`
}

func runUse(ctx context.Context, opts *Options) error {
	f := opts.Factory
	id, err := f.ClientID()
	if err != nil {
		return err
	}
	if !opts.Clear {
		if err := checkLinked(ctx, f, store.Key{ClientID: id, DeviceModel: opts.Ref.Model, Serial: opts.Ref.Serial}); err != nil {
			return err
		}
	}
	c, err := f.ReadConfig()
	if err != nil {
		return err
	}
	if c.Devices == nil {
		c.Devices = map[string]cmdutil.DeviceRef{}
	}
	out := UseResult{ClientID: id, Config: f.ConfigPath()}
	if opts.Clear {
		delete(c.Devices, id)
	} else {
		c.Devices[id] = opts.Ref
		out.Default = &opts.Ref
	}
	if err := f.WriteConfig(c); err != nil {
		return err
	}
	return f.Print(out, func(w io.Writer) {
		if out.Default == nil {
			cmdutil.Fprintf(w, "%s No default device for client ID %s (in %s)\n", cmdutil.Check, id, out.Config)
			return
		}
		cmdutil.Fprintf(w, "%s Default device for client ID %s is now %s (kept in %s)\n", cmdutil.Check, id, out.Default, out.Config)
	})
}

// checkLinked refuses a device that is malformed or has nothing in the
// store. A record that cannot be read (encrypted with another key) counts
// as linked: drs token says what is wrong with it.
func checkLinked(ctx context.Context, f *cmdutil.Factory, k store.Key) error {
	if err := k.Validate(); err != nil {
		return cmdutil.FlagErrorf("invalid device %s/%s: %v", k.DeviceModel, k.Serial, err)
	}
	st, err := f.Store(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	_, err = st.Load(ctx, k)
	if errors.Is(err, store.ErrNotFound) {
		return cmdutil.NotAuthenticated(fmt.Sprintf("no refresh token stored for device %s/%s in %s: link it with 'drs login --model %s --serial %s' first (drs device list shows the linked ones)",
			k.DeviceModel, k.Serial, f.StoreLocation(st), k.DeviceModel, k.Serial))
	}
	return nil
}
