package slotstatus

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
)

func TestNewCmdSlotStatus(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 2, 27, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		args []string
		want drs.SlotStatus
		err  string
	}{
		{[]string{"s1", "--remaining", "2.5", "--original", "10"},
			drs.SlotStatus{RemainingQuantityInUnit: 2.5, OriginalQuantityInUnit: 10, ExpectedReplenishmentDate: now, LastUseDate: now}, ""},
		{[]string{"s1", "--remaining", "0", "--original", "10", "--on-hand", "3", "--last-use", "2026-02-01", "--expected-replenishment", "2026-03-01T12:00:00Z"},
			drs.SlotStatus{OriginalQuantityInUnit: 10, TotalQuantityOnHand: 3, LastUseDate: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
				ExpectedReplenishmentDate: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}, ""},
		{[]string{"s1", "--original", "10"}, drs.SlotStatus{}, "missing --remaining"},
		{[]string{"--remaining", "1", "--original", "10"}, drs.SlotStatus{}, "missing argument SLOT"},
	} {
		f := &cmdutil.Factory{Now: func() time.Time { return now }}
		var got *Options
		cmd := NewCmdSlotStatus(f, func(_ context.Context, o *Options) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		switch {
		case tc.err != "":
			if err == nil || err.Error() != tc.err || cmdutil.ExitCode(err) != 2 {
				t.Errorf("%v: err = %v, want usage error %q", tc.args, err, tc.err)
			}
		case err != nil:
			t.Errorf("%v: %v", tc.args, err)
		case got.SlotID != "s1" || !got.Status.LastUseDate.Equal(tc.want.LastUseDate) || !got.Status.ExpectedReplenishmentDate.Equal(tc.want.ExpectedReplenishmentDate) ||
			got.Status.RemainingQuantityInUnit != tc.want.RemainingQuantityInUnit || got.Status.OriginalQuantityInUnit != tc.want.OriginalQuantityInUnit ||
			got.Status.TotalQuantityOnHand != tc.want.TotalQuantityOnHand:
			t.Errorf("%v: Status = %+v, want %+v", tc.args, got.Status, tc.want)
		}
	}
}
