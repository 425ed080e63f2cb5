package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/amazondrs/drs/fleet/db"
)

// deviceHandler serves one authenticated device; dev is that device, and
// the only one whose data it may read or change.
type deviceHandler func(w http.ResponseWriter, r *http.Request, dev db.Device)

// device authenticates a device token and applies the per-device rate
// limit. Every failure is the same 401, whether the device is unknown,
// deleted or the token wrong; failures are limited per client address.
func (a *API) device(h deviceHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := bearer(r.Header.Get("Authorization"))
		id := tokenDeviceID(token)
		var stored []byte
		var err error
		if id != "" {
			stored, err = db.TokenHash(r.Context(), a.sql, id)
		}
		switch {
		case err != nil && !errors.Is(err, db.ErrNotFound):
			a.internal(w, r, "device authentication", err)
			return
		case id == "" || stored == nil || !equalHash(token, stored):
			if !a.failures.allow(clientAddr(r)) {
				a.tooMany(w)
				return
			}
			unauthorized(w, "device")
			return
		}
		info(r.Context()).deviceID = id
		if !a.devices.allow(id) {
			a.tooMany(w)
			return
		}
		dev, err := db.GetDevice(r.Context(), a.sql, id)
		if errors.Is(err, db.ErrNotFound) {
			unauthorized(w, "device") // deleted between the two reads
			return
		}
		if err != nil {
			a.internal(w, r, "reading the device", err)
			return
		}
		h(w, r, dev)
	})
}

// DeviceView is the answer of GET /v1/device.
type DeviceView struct {
	ID         string              `json:"id"`
	Model      string              `json:"model"`
	Serial     string              `json:"serial"`
	TestDevice bool                `json:"test_device"`
	Linked     bool                `json:"linked"`
	Slots      map[string]SlotView `json:"slots"`
	Orders     []OrderView         `json:"orders"`
}

// SlotView is one slot of a device; slots arrive with linking (the next
// step), so the map is empty for now.
type SlotView struct {
	Subscribed bool   `json:"subscribed"`
	ASIN       string `json:"asin,omitempty"`
}

// OrderView is one order of a device; orders arrive with the next step.
type OrderView struct {
	EventInstanceID string    `json:"event_instance_id"`
	Slot            string    `json:"slot"`
	DetailCode      string    `json:"detail_code"`
	State           string    `json:"state"`
	UpdatedAt       time.Time `json:"updated_at"`
}

func (a *API) getDevice(w http.ResponseWriter, _ *http.Request, dev db.Device) {
	writeJSON(w, http.StatusOK, DeviceView{
		ID: dev.ID, Model: dev.Model, Serial: dev.Serial, TestDevice: dev.TestDevice, Linked: dev.Linked,
		Slots: map[string]SlotView{}, Orders: []OrderView{},
	})
}
