package drssim

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/amazondrs/drs/sns"
)

// Errors of the control plane's customer and Amazon actions; the control
// plane answers them 404 and 409.
var (
	// ErrNotFound says the order or device does not exist.
	ErrNotFound = errors.New("drssim: not found")
	// ErrConflict says the order or device is not in a state that allows
	// the action (an order already shipped, cancelled or delivered; a
	// device not registered).
	ErrConflict = errors.New("drssim: not possible in this state")
)

// ShipOrder ships an open order, as Amazon's warehouse would: the order
// gets its Shipped time (emulator clock) and an ItemShipped notification
// is sent. The order stays open until its expected delivery.
func (s *Server) ShipOrder(id string) (Order, error) {
	now := s.clock.now()
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	o, d, err := s.openOrderByID(id, now)
	if err != nil {
		return Order{}, err
	}
	if !o.Shipped.IsZero() {
		return Order{}, fmt.Errorf("%w: order %s already shipped", ErrConflict, id)
	}
	o.Shipped = now
	s.notifyOrder(sns.ItemShippedType, d, o, now)
	return o.snapshot(now), nil
}

// CancelOrder cancels an open order, test or real, as the customer would on
// amazon.com: it reads "Canceled", no longer blocks its slot, and an
// OrderCancelled notification is sent. A shipped order cannot be
// cancelled.
func (s *Server) CancelOrder(id string) (Order, error) {
	now := s.clock.now()
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	o, d, err := s.openOrderByID(id, now)
	if err != nil {
		return Order{}, err
	}
	if !o.Shipped.IsZero() {
		return Order{}, fmt.Errorf("%w: order %s has shipped and can no longer be cancelled", ErrConflict, id)
	}
	o.cancelled = true
	s.notifyOrder(sns.OrderCancelledType, d, o, now)
	return o.snapshot(now), nil
}

// openOrderByID finds an order in progress and its device. The caller
// holds the state's lock.
func (s *Server) openOrderByID(id string, now time.Time) (*order, *device, error) {
	o := s.st.orderByID[id]
	if o == nil {
		return nil, nil, fmt.Errorf("%w: no order %s", ErrNotFound, quoteShort(id))
	}
	if st := o.status(now); st != OrderProcessing {
		return nil, nil, fmt.Errorf("%w: order %s is %s", ErrConflict, id, st)
	}
	return o, s.st.devices[deviceKey{o.ClientID, o.DeviceModel, o.Serial}], nil
}

// DeregisterDevice deregisters a device from Amazon's side (the customer on
// amazon.com, or customer service), as the deregistration API does, and
// sends DeviceDeregistered. An empty clientID means the first profile.
func (s *Server) DeregisterDevice(clientID, model, serial string) (DeviceState, error) {
	now := s.clock.now()
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	d, err := s.registeredDevice(clientID, model, serial)
	if err != nil {
		return DeviceState{}, err
	}
	s.st.revoke(d)
	s.notifyDeregistered(d, now)
	return s.st.snapshot(d, now), nil
}

// SlotChange is a customer's change to one slot, for [Server.ChangeSlot].
type SlotChange struct {
	// ASIN is the product chosen; empty keeps the current one (or the
	// slot's first product when it had none).
	ASIN string `json:"asin"`
	// Unsubscribe stops replenishment of the slot: Replenish then fails.
	Unsubscribe bool `json:"unsubscribe"`
}

// ChangeSlot changes a slot's product or subscription as the customer would
// in the Amazon app, and sends SubscriptionChanged. An empty clientID means
// the first profile.
func (s *Server) ChangeSlot(clientID, model, serial, slotID string, c SlotChange) (DeviceState, error) {
	now := s.clock.now()
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	d, err := s.registeredDevice(clientID, model, serial)
	if err != nil {
		return DeviceState{}, err
	}
	sl := d.model.slot(slotID)
	switch {
	case sl == nil:
		return DeviceState{}, fmt.Errorf("%w: model %s has no slot %s", ErrNotFound, d.model.ID, quoteShort(slotID))
	case c.Unsubscribe && c.ASIN != "":
		return DeviceState{}, errors.New("give asin or unsubscribe, not both")
	case c.Unsubscribe:
		delete(d.subs, slotID)
	default:
		p, ok := d.subs[slotID]
		if !ok {
			p = sl.Products[0]
		}
		if c.ASIN != "" {
			if p, ok = findProduct(*sl, c.ASIN); !ok {
				return DeviceState{}, fmt.Errorf("asin: %s is not offered for slot %s", quoteShort(c.ASIN), slotID)
			}
		}
		if d.subs == nil {
			d.subs = map[string]Product{}
		}
		d.subs[slotID] = p
	}
	s.notifySlots(d, now)
	return s.st.snapshot(d, now), nil
}

// registeredDevice finds a registered device. The caller holds the state's
// lock.
func (s *Server) registeredDevice(clientID, model, serial string) (*device, error) {
	if clientID == "" {
		clientID = s.cfg.Profiles[0].ClientID
	}
	d := s.st.devices[deviceKey{clientID, model, serial}]
	switch {
	case d == nil:
		return nil, fmt.Errorf("%w: no device %s/%s of profile %s", ErrNotFound, quoteShort(model), quoteShort(serial), quoteShort(clientID))
	case !d.registered:
		return nil, fmt.Errorf("%w: device %s/%s is not registered", ErrConflict, model, serial)
	}
	return d, nil
}

// actionResponse answers a control-plane action: v, or the error as 400,
// 404 or 409.
func actionResponse(v any, err error) response {
	switch {
	case errors.Is(err, ErrNotFound):
		return messageResponse(http.StatusNotFound, nil, err.Error())
	case errors.Is(err, ErrConflict):
		return messageResponse(http.StatusConflict, nil, err.Error())
	case err != nil:
		return messageResponse(http.StatusBadRequest, nil, err.Error())
	}
	return jsonResponse(http.StatusOK, nil, v)
}

// ctlShipOrder serves POST /_emulator/orders/{id}/ship.
func (s *Server) ctlShipOrder(r *http.Request) response {
	return actionResponse(s.ShipOrder(r.PathValue("id")))
}

// ctlCancelOrder serves POST /_emulator/orders/{id}/cancel.
func (s *Server) ctlCancelOrder(r *http.Request) response {
	return actionResponse(s.CancelOrder(r.PathValue("id")))
}

// ctlDeregister serves POST /_emulator/devices/{model}/{serial}/deregister
// [?client_id=...].
func (s *Server) ctlDeregister(r *http.Request) response {
	return actionResponse(s.DeregisterDevice(r.URL.Query().Get("client_id"), r.PathValue("model"), r.PathValue("serial")))
}

// ctlChangeSlot serves POST /_emulator/devices/{model}/{serial}/slots/{slotId}
// [?client_id=...] with a [SlotChange].
func (s *Server) ctlChangeSlot(r *http.Request) response {
	var c SlotChange
	if resp, ok := decodeControl(r, &c); !ok {
		return resp
	}
	return actionResponse(s.ChangeSlot(r.URL.Query().Get("client_id"), r.PathValue("model"), r.PathValue("serial"), r.PathValue("slotId"), c))
}

// ctlSNSSubscribe serves POST /_emulator/sns/subscriptions: an
// [SNSSubscribeRequest] in, the [SNSSubscription] out (201).
func (s *Server) ctlSNSSubscribe(r *http.Request) response {
	var req SNSSubscribeRequest
	if resp, ok := decodeControl(r, &req); !ok {
		return resp
	}
	sub, err := s.SNSSubscribe(req)
	if err != nil {
		return messageResponse(http.StatusBadRequest, nil, err.Error())
	}
	return jsonResponse(http.StatusCreated, nil, sub)
}

// ctlSNSSubscriptions serves GET /_emulator/sns/subscriptions.
func (s *Server) ctlSNSSubscriptions(*http.Request) response {
	return jsonResponse(http.StatusOK, nil, s.SNSSubscriptions())
}

// ctlSNSDeliveries serves GET /_emulator/sns/deliveries.
func (s *Server) ctlSNSDeliveries(*http.Request) response {
	return jsonResponse(http.StatusOK, nil, s.SNSDeliveries())
}

// ctlSNSInjectFault serves POST /_emulator/sns/faults (201).
func (s *Server) ctlSNSInjectFault(r *http.Request) response {
	var f SNSFault
	if resp, ok := decodeControl(r, &f); !ok {
		return resp
	}
	f, err := f.normalize()
	if err != nil {
		return messageResponse(http.StatusBadRequest, nil, "bad SNS fault: "+err.Error())
	}
	_ = s.InjectSNSFault(f)
	return jsonResponse(http.StatusCreated, nil, f)
}

// ctlSNSFaults serves GET /_emulator/sns/faults.
func (s *Server) ctlSNSFaults(*http.Request) response {
	return jsonResponse(http.StatusOK, nil, s.SNSFaults())
}

// ctlSNSClearFaults serves DELETE /_emulator/sns/faults: {"cleared":n}.
func (s *Server) ctlSNSClearFaults(*http.Request) response {
	return jsonResponse(http.StatusOK, nil, map[string]int{"cleared": s.ClearSNSFaults()})
}
