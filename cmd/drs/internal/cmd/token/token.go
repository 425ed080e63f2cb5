// Package token implements drs token show, delete and reencrypt.
package token

import (
	"context"
	"fmt"

	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/spf13/cobra"
)

// Actions of drs token.
const (
	ActionShow      = "show"
	ActionDelete    = "delete"
	ActionReencrypt = "reencrypt"
)

// Options are the inputs of drs token and its subcommands.
type Options struct {
	Factory *cmdutil.Factory
	// Action is ActionShow, ActionDelete or ActionReencrypt.
	Action string
	// Reveal prints the refresh token itself (show only).
	Reveal bool
	// Deprecated is the old flag (--delete, --reencrypt) that chose Action,
	// "" for a subcommand; a warning names its replacement.
	Deprecated string
}

// NewCmdToken returns the token command with its show, delete and
// reencrypt subcommands. drs token alone is drs token show; its old flags
// --reveal, --delete and --reencrypt are hidden, deprecated aliases of the
// subcommands. runF, when not nil, replaces every action.
func NewCmdToken(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	var del, reenc bool
	cmd := &cobra.Command{
		Use:   "token [show|delete|reencrypt]",
		Short: "Show, delete or re-encrypt the device's stored refresh token",
		Long: `Show whether a refresh token is stored for the device (named by --model and
--serial, the environment or drs device use) and the client ID, in which
store, and whether DRS_REFRESH_TOKEN overrides it; delete it; or save it
again encrypted with DRS_STORE_KEY. drs token alone is drs token show.

The old flags drs token --reveal, --delete and --reencrypt still work for
this release and print a warning; use the subcommands.`,
		Example: `  drs token show --model CoffeeMaker01 --serial S1
  drs token show --json
  drs token delete
  DRS_STORE_KEY=NEW DRS_STORE_PREVIOUS_KEYS=OLD drs token reencrypt`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return cmdutil.FlagErrorf("unknown command %q for %q: want show, delete or reencrypt", args[0], cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Action = ActionShow
			switch {
			case btoi(del)+btoi(reenc)+btoi(opts.Reveal) > 1:
				return cmdutil.FlagErrorf("--reveal, --delete and --reencrypt cannot be used together")
			case del:
				opts.Action, opts.Deprecated = ActionDelete, "--delete"
			case reenc:
				opts.Action, opts.Deprecated = ActionReencrypt, "--reencrypt"
			case opts.Reveal:
				opts.Deprecated = "--reveal"
			}
			if opts.Deprecated != "" && !f.Global.JSON { // under --json, stderr holds only a JSON error
				sub := opts.Action
				if opts.Reveal {
					sub += " --reveal"
				}
				cmdutil.Fprintf(f.IO.ErrOut, "warning: drs token %s is deprecated and will be removed; use drs token %s\n", opts.Deprecated, sub)
			}
			return cmdutil.Run(cmd, opts, runF, Run)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Reveal, "reveal", false, "print the refresh token itself (deprecated: drs token show --reveal)")
	fl.BoolVar(&del, "delete", false, "remove the stored refresh token (deprecated: drs token delete)")
	fl.BoolVar(&reenc, "reencrypt", false, "save the stored token again, encrypted (deprecated: drs token reencrypt)")
	for _, n := range []string{"reveal", "delete", "reencrypt"} {
		_ = fl.MarkHidden(n)
	}
	cmd.AddCommand(newCmdShow(f, runF), newCmdDelete(f, runF), newCmdReencrypt(f, runF))
	return cmd
}

func newCmdShow(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f, Action: ActionShow}
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Show whether the device's refresh token is stored, and where",
		Long: `Show whether a refresh token is stored for the device and the client ID, in
which store, and whether DRS_REFRESH_TOKEN overrides it. The token itself is
printed only with --reveal: it lets anyone order on the customer's account.`,
		Example: "  drs token show --model CoffeeMaker01 --serial S1\n  drs token show --json\n  drs token show --reveal",
		Args:    cmdutil.ExactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.Run(cmd, opts, runF, Run)
		},
	}
	cmd.Flags().BoolVar(&opts.Reveal, "reveal", false, "print the refresh token itself")
	return cmd
}

func newCmdDelete(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f, Action: ActionDelete}
	return &cobra.Command{
		Use:   "delete",
		Short: "Remove the stored refresh token (the device stays linked at Amazon)",
		Long: `Remove the device's stored refresh token without contacting Amazon, even a
record that cannot be read (a damaged entry, or one encrypted with another
key), so that drs login can store a new one; it says whether anything was
stored. The device stays linked to the customer's account at Amazon: to
unlink it, run drs deregister instead (it needs the token, and removes it
from the store too).`,
		Example: "  drs token delete --model CoffeeMaker01 --serial S1",
		Args:    cmdutil.ExactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.Run(cmd, opts, runF, Run)
		},
	}
}

func newCmdReencrypt(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f, Action: ActionReencrypt}
	return &cobra.Command{
		Use:   "reencrypt",
		Short: "Save the stored token again, encrypted with " + cmdutil.EnvStoreKey,
		Long: fmt.Sprintf(`Load the device's stored refresh token and save it again, encrypted with the
current %[1]s: after a key change (the old key in %[2]s), or to encrypt a
token stored in plain text before %[1]s was set. The token is replaced in
place and is never missing from the store.`, cmdutil.EnvStoreKey, cmdutil.EnvStorePreviousKeys),
		Example: "  DRS_STORE_KEY=NEW DRS_STORE_PREVIOUS_KEYS=OLD drs token reencrypt\n  DRS_STORE_KEY=KEY drs token reencrypt   # a plaintext token, now encrypted",
		Args:    cmdutil.ExactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.Run(cmd, opts, runF, Run)
		},
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
