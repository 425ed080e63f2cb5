package drssim

import (
	"fmt"
	"time"
)

// DeviceState is a snapshot of one device as the emulator knows it.
type DeviceState struct {
	// ClientID is the security profile the device was linked with.
	ClientID string `json:"clientId"`
	// DeviceModel is the device's model ID.
	DeviceModel string `json:"deviceModel"`
	// Serial is the device's serial.
	Serial string `json:"serial"`
	// Test is true for a test device (is_test_device).
	Test bool `json:"test"`
	// NonLive is true when the device was linked with should_include_non_live.
	NonLive bool `json:"nonLive"`
	// Registered is false once the device has been deregistered.
	Registered bool `json:"registered"`
	// Subscriptions maps slot ID to the product chosen on the consent page;
	// empty after deregistration.
	Subscriptions map[string]Product `json:"subscriptions"`
	// SlotStatuses maps slot ID to the last SlotStatus report.
	SlotStatuses map[string]SlotStatus `json:"slotStatuses"`
	// DeviceStatus is the last DeviceStatus report, nil if none.
	DeviceStatus *DeviceStatus `json:"deviceStatus,omitempty"`
	// OpenOrders maps slot ID to the eventInstanceId of its order in
	// progress.
	OpenOrders map[string]string `json:"openOrders"`
}

// SlotStatus is a SlotStatus report as the device sent it.
type SlotStatus struct {
	// ExpectedReplenishmentDate is when the device expects to reorder.
	ExpectedReplenishmentDate time.Time `json:"expectedReplenishmentDate"`
	// RemainingQuantityInUnit is what is left in the slot.
	RemainingQuantityInUnit float64 `json:"remainingQuantityInUnit"`
	// OriginalQuantityInUnit is the quantity of a full container.
	OriginalQuantityInUnit int64 `json:"originalQuantityInUnit"`
	// TotalQuantityOnHand is spare product not loaded in the device.
	TotalQuantityOnHand int64 `json:"totalQuantityOnHand"`
	// LastUseDate is when the slot was last used.
	LastUseDate time.Time `json:"lastUseDate"`
	// Reported is when the emulator received the report (emulator clock).
	Reported time.Time `json:"reported"`
}

// DeviceStatus is a DeviceStatus report as the device sent it.
type DeviceStatus struct {
	// MostRecentlyActiveDate is when the device was last active.
	MostRecentlyActiveDate time.Time `json:"mostRecentlyActiveDate"`
	// Reported is when the emulator received the report (emulator clock).
	Reported time.Time `json:"reported"`
}

// LinkRequest asks [Server.LinkDevice] to link a device as if a customer had
// completed the Login with Amazon consent page.
type LinkRequest struct {
	// ClientID is the security profile; empty means the first configured.
	ClientID string `json:"client_id"`
	// DeviceModel is the model ID; empty means the first configured.
	DeviceModel string `json:"device_model"`
	// Serial is the device serial (required; [A-Za-z0-9-+_], at most 64).
	Serial string `json:"serial"`
	// TestDevice is scope_data's is_test_device.
	TestDevice bool `json:"test_device"`
	// NonLive is scope_data's should_include_non_live; required for a model
	// that is not live.
	NonLive bool `json:"non_live"`
	// Products maps slot ID to the chosen ASIN; slots left out get their
	// first product.
	Products map[string]string `json:"products,omitempty"`
}

// Link is what [Server.LinkDevice] returns: the tokens a token exchange would
// have produced.
type Link struct {
	// RefreshToken is the device's new refresh token ("Atzr|...").
	RefreshToken string `json:"refresh_token"`
	// AccessToken is a fresh access token ("Atza|...").
	AccessToken string `json:"access_token"`
	// ExpiresIn is the access token's lifetime in seconds (3600).
	ExpiresIn int `json:"expires_in"`
}

// LinkDevice links a device without a browser, as POST /_emulator/devices
// does: it registers the device with the chosen products and returns a
// refresh token and an access token for it.
func (s *Server) LinkDevice(req LinkRequest) (Link, error) {
	if req.ClientID == "" {
		req.ClientID = s.cfg.Profiles[0].ClientID
	}
	if req.DeviceModel == "" {
		req.DeviceModel = s.cfg.Models[0].ID
	}
	if s.profiles[req.ClientID] == nil {
		return Link{}, fmt.Errorf("client_id: unknown security profile %q", req.ClientID)
	}
	m := s.models[req.DeviceModel]
	if m == nil {
		return Link{}, fmt.Errorf("device_model: unknown device model %q", req.DeviceModel)
	}
	if err := checkDeviceID(req.Serial); err != nil {
		return Link{}, fmt.Errorf("serial: %w", err)
	}
	if !m.Live && !req.NonLive {
		return Link{}, fmt.Errorf("device_model: %q is not live; set non_live to link it", m.ID)
	}
	choices, err := chooseProducts(m, req.Products)
	if err != nil {
		return Link{}, err
	}
	now := s.clock.now()
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	d := s.st.link(req.ClientID, m, req.Serial, req.TestDevice, req.NonLive, choices)
	s.notifyLinked(d, now)
	return Link{
		RefreshToken: s.st.issueRefresh(d, req.ClientID),
		AccessToken:  s.st.issueAccess(d, now),
		ExpiresIn:    int(accessTokenTTL / time.Second),
	}, nil
}

// chooseProducts resolves slot ID -> ASIN choices to products, defaulting
// every slot without a choice to its first product.
func chooseProducts(m *modelInfo, asins map[string]string) (map[string]Product, error) {
	for slotID := range asins {
		if m.slot(slotID) == nil {
			return nil, fmt.Errorf("products: model %q has no slot %q", m.ID, slotID)
		}
	}
	out := make(map[string]Product, len(m.Slots))
	for _, sl := range m.Slots {
		asin, ok := asins[sl.ID]
		if !ok {
			out[sl.ID] = sl.Products[0]
			continue
		}
		p, found := findProduct(sl, asin)
		if !found {
			return nil, fmt.Errorf("products[%q]: ASIN %q is not offered for that slot", sl.ID, asin)
		}
		out[sl.ID] = p
	}
	return out, nil
}

func findProduct(sl Slot, asin string) (Product, bool) {
	for _, p := range sl.Products {
		if p.ASIN == asin {
			return p, true
		}
	}
	return Product{}, false
}

// Device returns a snapshot of the device linked with the given security
// profile, model and serial; false if no such device was ever linked.
func (s *Server) Device(clientID, model, serial string) (DeviceState, bool) {
	now := s.clock.now()
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	d := s.st.devices[deviceKey{clientID, model, serial}]
	if d == nil {
		return DeviceState{}, false
	}
	return s.st.snapshot(d, now), true
}

// Devices returns snapshots of every device ever linked, in link order.
func (s *Server) Devices() []DeviceState {
	now := s.clock.now()
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	out := make([]DeviceState, 0, len(s.st.devList))
	for _, d := range s.st.devList {
		out = append(out, s.st.snapshot(d, now))
	}
	return out
}

// snapshot copies d. The caller holds mu.
func (st *state) snapshot(d *device, now time.Time) DeviceState {
	ds := DeviceState{
		ClientID:      d.key.clientID,
		DeviceModel:   d.key.model,
		Serial:        d.key.serial,
		Test:          d.test,
		NonLive:       d.nonLive,
		Registered:    d.registered,
		Subscriptions: map[string]Product{},
		SlotStatuses:  map[string]SlotStatus{},
		OpenOrders:    map[string]string{},
	}
	for k, v := range d.subs {
		ds.Subscriptions[k] = v
	}
	for k, v := range d.slotStatus {
		ds.SlotStatuses[k] = v
	}
	if d.devStatus != nil {
		v := *d.devStatus
		ds.DeviceStatus = &v
	}
	for slotID := range d.lastOrder {
		if o := st.openOrder(d, slotID, now); o != nil {
			ds.OpenOrders[slotID] = o.ID
		}
	}
	return ds
}
