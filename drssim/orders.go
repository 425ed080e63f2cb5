package drssim

import "time"

// Order statuses, as GetOrderInfo reports them in orderItems[].status.
// Amazon's GetOrderInfo page shows "Processing" in its example and lists
// Pending, Authorized, Canceled, Closed and Unknown; the emulator uses the
// example's value for open orders and Amazon's spellings for the others.
const (
	// OrderProcessing is an open order: it blocks further orders for its slot.
	OrderProcessing = "Processing"
	// OrderDelivered is an order whose expected delivery time has passed on
	// the emulator clock; it no longer blocks its slot. Amazon calls such an
	// order "Closed".
	OrderDelivered = "Closed"
	// OrderCancelled is a test order cancelled with CancelTestOrders, in
	// Amazon's spelling "Canceled".
	OrderCancelled = "Canceled"
)

// Order is an order in the emulator's order book.
type Order struct {
	// ID is the eventInstanceId ("amzn1.dash.v2.o....").
	ID string `json:"id"`
	// ClientID is the security profile of the ordering device.
	ClientID string `json:"clientId"`
	// DeviceModel is the model of the ordering device.
	DeviceModel string `json:"deviceModel"`
	// Serial is the serial of the ordering device.
	Serial string `json:"serial"`
	// SlotID is the slot the order replenishes.
	SlotID string `json:"slotId"`
	// ASIN is the product ordered: the customer's choice for the slot.
	ASIN string `json:"asin"`
	// Quantity is how much of Unit the product delivers (the product's
	// size, not a count of items: every order is for one unit of ASIN, and
	// GetOrderInfo reports quantity 1).
	Quantity int `json:"quantity"`
	// Unit is the unit of Quantity.
	Unit string `json:"unit"`
	// Test is true for a test order (TEST_ORDER_PLACED).
	Test bool `json:"test"`
	// Status is OrderProcessing, OrderDelivered or OrderCancelled.
	Status string `json:"status"`
	// Placed is when Replenish placed the order (emulator clock).
	Placed time.Time `json:"placed"`
	// ExpectedDelivery is when the order is delivered: Placed plus two days.
	ExpectedDelivery time.Time `json:"expectedDelivery"`
	// Shipped is when the control plane shipped the order (emulator
	// clock); zero until then.
	Shipped time.Time `json:"shipped,omitzero"`
}

// order is the mutable record behind an Order.
type order struct {
	Order
	cancelled bool
}

// status returns the order's status at now.
func (o *order) status(now time.Time) string {
	switch {
	case o.cancelled:
		return OrderCancelled
	case !now.Before(o.ExpectedDelivery):
		return OrderDelivered
	}
	return OrderProcessing
}

// snapshot returns a copy of the order with its status at now.
func (o *order) snapshot(now time.Time) Order {
	out := o.Order
	out.Status = o.status(now)
	return out
}

// openOrder returns the order in progress for the slot of d, or nil. The
// caller holds mu.
func (st *state) openOrder(d *device, slotID string, now time.Time) *order {
	if o := d.lastOrder[slotID]; o != nil && o.status(now) == OrderProcessing {
		return o
	}
	return nil
}

// placeOrder records a new order of p for the slot of d. The caller holds mu.
func (st *state) placeOrder(d *device, slotID string, p Product, now time.Time) *order {
	o := &order{Order: Order{
		ID:               newOrderID(),
		ClientID:         d.key.clientID,
		DeviceModel:      d.key.model,
		Serial:           d.key.serial,
		SlotID:           slotID,
		ASIN:             p.ASIN,
		Quantity:         p.Quantity,
		Unit:             p.Unit,
		Test:             d.test,
		Placed:           now,
		ExpectedDelivery: now.Add(deliveryDelay),
	}}
	st.orders = append(st.orders, o)
	st.orderByID[o.ID] = o
	d.lastOrder[slotID] = o
	return o
}

// cancelTestOrder cancels the open test order of the slot, if any, and
// reports the slot's orderStatus afterwards: NO_ORDER_IN_PROGRESS, or
// ORDER_INPROGRESS when a real order keeps it blocked; and the order it
// cancelled, if any. The caller holds mu.
func (st *state) cancelTestOrder(d *device, slotID string, now time.Time) (string, *order) {
	o := st.openOrder(d, slotID, now)
	if o == nil {
		return "NO_ORDER_IN_PROGRESS", nil
	}
	if !o.Test {
		return "ORDER_INPROGRESS", nil
	}
	o.cancelled = true
	return "NO_ORDER_IN_PROGRESS", o
}

// Orders returns every order the emulator has placed, oldest first, with
// statuses as of the emulator's current time.
func (s *Server) Orders() []Order {
	now := s.clock.now()
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	out := make([]Order, 0, len(s.st.orders))
	for _, o := range s.st.orders {
		out = append(out, o.snapshot(now))
	}
	return out
}
