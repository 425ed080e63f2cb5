package drs_test

import (
	"context"
	"testing"

	"github.com/amazondrs/drs"
)

// TestDeregisterWire checks Deregister and DeregisterDevice on the wire (see testWire).
func TestDeregisterWire(t *testing.T) {
	testWire(t, []wireCase{
		{
			name:   "Deregister v2",
			call:   func(ctx context.Context, c *drs.Client) (any, error) { return nil, c.Deregister(ctx) },
			method: "DELETE", path: "/registration",
			typeVer: pfx + "DrsDeregisterInput@2.0", accept: pfx + "DrsDeregisterResult@1.0",
		},
		{
			name: "Deregister v1",
			call: func(ctx context.Context, c *drs.Client) (any, error) {
				return nil, c.DeregisterDevice(ctx, "Model-1", "SN+1")
			},
			method: "DELETE", path: "/deviceModels/Model-1/devices/SN+1/registration",
			typeVer: pfx + "DrsDeregisterInput@1.0", accept: pfx + "DrsDeregisterResult@1.0",
		},
	})
}
