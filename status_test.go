package drs_test

import (
	"context"
	"testing"
	"time"

	"github.com/amazondrs/drs"
)

// TestStatusWire checks ReportSlotStatus and ReportDeviceStatus on the wire (see testWire).
func TestStatusWire(t *testing.T) {
	testWire(t, []wireCase{
		{
			name: "ReportSlotStatus",
			call: func(ctx context.Context, c *drs.Client) (any, error) {
				return nil, c.ReportSlotStatus(ctx, "slot-1", drs.SlotStatus{ExpectedReplenishmentDate: wireDay, RemainingQuantityInUnit: 3.5,
					OriginalQuantityInUnit: 10, TotalQuantityOnHand: 20, LastUseDate: wireDay.Add(-time.Hour)})
			},
			method: "POST", path: "/slotStatus/slot-1",
			typeVer: pfx + "DrsSlotStatusInput@1.0", accept: pfx + "DrsSlotStatusResult@1.0",
			wantBody: `{"expectedReplenishmentDate":"2026-11-25T10:00:00Z","remainingQuantityInUnit":3.5,"originalQuantityInUnit":10,"totalQuantityOnHand":20,"lastUseDate":"2026-11-25T09:00:00Z"}`,
		},
		{
			name: "ReportDeviceStatus",
			call: func(ctx context.Context, c *drs.Client) (any, error) {
				return nil, c.ReportDeviceStatus(ctx, drs.DeviceStatus{MostRecentlyActiveDate: wireDay})
			},
			method: "POST", path: "/deviceStatus",
			typeVer: pfx + "DrsDeviceStatusInput@1.0", accept: pfx + "DrsDeviceStatusResult@1.0",
			wantBody: `{"mostRecentlyActiveDate":"2026-11-25T10:00:00Z"}`,
		},
	})
}
