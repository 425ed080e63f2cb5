// Package deregister implements drs deregister.
package deregister

import (
	"context"
	"io"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/spf13/cobra"
)

// Options are the inputs of drs deregister.
type Options struct {
	Factory *cmdutil.Factory
}

// NewCmdDeregister returns the deregister command.
func NewCmdDeregister(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	return &cobra.Command{
		Use:   "deregister",
		Short: "Unlink the device from the customer's account",
		Long: `Unlink the device from the customer's Amazon account. Amazon then revokes
every token of the device, so the stored refresh token is deleted too; link
the device again with drs login. When Amazon had already revoked the token
(the device was deregistered before, or the customer unlinked it), drs
deregister says so and counts it as done.

When standard input is not a terminal, the device must be named by
--model and --serial or DRS_DEVICE_MODEL and DRS_DEVICE_SERIAL, not only
remembered with drs device use.`,
		Example: `  drs deregister --model CoffeeMaker01 --serial S1`,
		Args:    cmdutil.ExactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.Run(cmd, opts, runF, Run)
		},
	}
}

// Result is the JSON output of drs deregister.
type Result struct {
	Deregistered bool `json:"deregistered"`
	// AlreadyRevoked is true when Amazon had already revoked the token: the
	// device was deregistered before (or unlinked by the customer).
	AlreadyRevoked bool   `json:"alreadyRevoked"`
	DeviceModel    string `json:"deviceModel,omitempty"`
	Serial         string `json:"serial,omitempty"`
	// TokenDeleted is true when the stored refresh token was deleted.
	TokenDeleted bool `json:"tokenDeleted"`
	// Store is where the token was deleted from (passwords removed), "" when
	// the device is not named.
	Store string `json:"store,omitempty"`
}

// Run deregisters the device and deletes its stored token.
func Run(ctx context.Context, opts *Options) error {
	f := opts.Factory
	if err := f.RequireExplicitDevice("deregister"); err != nil {
		return err
	}
	return cmdutil.WithDevice(ctx, f, func(ctx context.Context, d *cmdutil.Device) (Result, error) {
		res, err := d.Client.DeregisterWithResult(ctx)
		if err != nil {
			return Result{}, err
		}
		out := Result{Deregistered: true, AlreadyRevoked: res.AlreadyRevoked, DeviceModel: d.Key.DeviceModel, Serial: d.Key.Serial}
		if d.Key.Validate() != nil {
			return out, nil // a token from DRS_REFRESH_TOKEN for an unnamed device: nothing stored
		}
		// The hook has deleted a token loaded from the store already; a
		// token from DRS_REFRESH_TOKEN revoked the stored one as well.
		st, err := d.Store(ctx)
		if err == nil {
			err = st.Delete(ctx, d.Key)
		}
		if err != nil {
			return Result{}, &drs.Error{Code: drs.CodeGeneral, Message: "the device was deregistered, but its stored refresh token could not be deleted", Err: err}
		}
		out.TokenDeleted, out.Store = true, f.StoreLocation(st)
		return out, nil
	}, func(w io.Writer, out Result) {
		if out.AlreadyRevoked {
			cmdutil.Fprintf(w, "%s Device deregistered: Amazon had already revoked its token (it was deregistered before, or the customer unlinked it)\n", cmdutil.Check)
		} else {
			cmdutil.Fprintf(w, "%s Device deregistered\n", cmdutil.Check)
		}
		if out.TokenDeleted {
			cmdutil.Fprintf(w, "  stored refresh token of %s/%s deleted from %s\n", out.DeviceModel, out.Serial, out.Store)
		}
	})
}
