package drs

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/amazondrs/drs/internal/pathseg"
)

// SlotStatus reports how full one slot is. DRS requires every field.
type SlotStatus struct {
	// ExpectedReplenishmentDate is when the device expects to need more.
	ExpectedReplenishmentDate time.Time
	// RemainingQuantityInUnit is what is left, in the slot's unit.
	RemainingQuantityInUnit float64
	// OriginalQuantityInUnit is a full container's quantity.
	OriginalQuantityInUnit int
	// TotalQuantityOnHand is spare product not loaded, if known.
	TotalQuantityOnHand int
	// LastUseDate is when the slot was last used.
	LastUseDate time.Time
}

func (s SlotStatus) validate() error {
	switch {
	case s.ExpectedReplenishmentDate.IsZero():
		return fmt.Errorf("ExpectedReplenishmentDate is not set")
	case s.LastUseDate.IsZero():
		return fmt.Errorf("LastUseDate is not set")
	case s.RemainingQuantityInUnit < 0 || math.IsNaN(s.RemainingQuantityInUnit) || math.IsInf(s.RemainingQuantityInUnit, 0):
		return fmt.Errorf("RemainingQuantityInUnit %v is not a non-negative number", s.RemainingQuantityInUnit)
	case s.OriginalQuantityInUnit < 0:
		return fmt.Errorf("OriginalQuantityInUnit %d is negative", s.OriginalQuantityInUnit)
	case s.TotalQuantityOnHand < 0:
		return fmt.Errorf("TotalQuantityOnHand %d is negative", s.TotalQuantityOnHand)
	}
	return nil
}

// MarshalJSON writes the wire form, with ISO 8601 UTC dates.
func (s SlotStatus) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ExpectedReplenishmentDate string  `json:"expectedReplenishmentDate"`
		RemainingQuantityInUnit   float64 `json:"remainingQuantityInUnit"`
		OriginalQuantityInUnit    int     `json:"originalQuantityInUnit"`
		TotalQuantityOnHand       int     `json:"totalQuantityOnHand"`
		LastUseDate               string  `json:"lastUseDate"`
	}{isoDate(s.ExpectedReplenishmentDate), s.RemainingQuantityInUnit, s.OriginalQuantityInUnit, s.TotalQuantityOnHand, isoDate(s.LastUseDate)})
}

// ReportSlotStatus tells DRS how full slotID is. Amazon requires it whenever
// a slot's contents are consumed.
//
// Amazon: https://developer.amazon.com/docs/dash/slotstatus-endpoint.html
func (c *Client) ReportSlotStatus(ctx context.Context, slotID string, s SlotStatus) error {
	seg, err := pathseg.Escape("slot ID", slotID)
	if err == nil {
		err = s.validate()
	}
	if err != nil {
		return &Error{Code: CodeGeneral, Op: opSlotStatus.name, Message: err.Error()}
	}
	_, err = c.call(ctx, opSlotStatus, "/slotStatus/"+seg, s, nil)
	return err
}

// DeviceStatus reports that the device is alive.
type DeviceStatus struct {
	// MostRecentlyActiveDate is when the device was last active.
	MostRecentlyActiveDate time.Time
}

// MarshalJSON writes the wire form, with an ISO 8601 UTC date.
func (d DeviceStatus) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		MostRecentlyActiveDate string `json:"mostRecentlyActiveDate"`
	}{isoDate(d.MostRecentlyActiveDate)})
}

// ReportDeviceStatus tells DRS when the device was last active. Amazon
// requires it once a day.
//
// Amazon: https://developer.amazon.com/docs/dash/devicestatus-endpoint.html
func (c *Client) ReportDeviceStatus(ctx context.Context, d DeviceStatus) error {
	if d.MostRecentlyActiveDate.IsZero() {
		return &Error{Code: CodeGeneral, Op: opDeviceStatus.name, Message: "MostRecentlyActiveDate is not set"}
	}
	_, err := c.call(ctx, opDeviceStatus, "/deviceStatus", d, nil)
	return err
}

func isoDate(t time.Time) string { return t.UTC().Format(time.RFC3339) }
