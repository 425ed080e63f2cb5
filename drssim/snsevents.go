package drssim

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"time"

	"github.com/amazondrs/drs/sns"
)

// snsEvent is a DRS notification before it is rendered: plain values copied
// under the state's lock.
type snsEvent struct {
	typ      string // sns.OrderPlacedType, ...
	key      deviceKey
	customer string
	at       time.Time // emulator clock
	order    *Order    // order notifications
	slots    []slotSub // SubscriptionChanged, in the model's slot order
}

// slotSub is one slot's subscription; product is nil when unsubscribed.
type slotSub struct {
	id      string
	product *Product
}

// Shapes of the DRS notification document (docs/wire.md, "DRS messages").
type (
	drsDoc struct {
		Info         drsDocInfo      `json:"notificationInfo"`
		Device       drsDocDevice    `json:"deviceInfo"`
		Customer     drsDocCustomer  `json:"customerInfo"`
		Order        *drsDocOrder    `json:"orderInfo,omitempty"`
		Subscription *drsDocSubsInfo `json:"subscriptionInfo,omitempty"`
	}
	drsDocInfo struct {
		Type     string `json:"notificationType"`
		ClientID string `json:"lwaClientId"`
		Time     string `json:"notificationTime"`
		ID       string `json:"notificationId"`
		Version  string `json:"version"`
	}
	drsDocDevice struct {
		DeviceIdentifier  struct{ SerialNumber string } `json:"deviceIdentifier"`
		ProductIdentifier struct{ ModelID string }      `json:"productIdentifier"`
	}
	drsDocCustomer struct {
		DirectedCustomerID string `json:"directedCustomerId"`
	}
	drsDocOrder struct {
		InstanceID        string          `json:"instanceId"`
		SlotID            string          `json:"slotId"`
		Products          []drsDocProduct `json:"productInfo,omitempty"`
		EstimatedDelivery string          `json:"estimatedDeliveryDate,omitempty"` // version 1
	}
	drsDocProduct struct {
		Quantity          float64 `json:"quantity"`
		Unit              string  `json:"unit"`
		ASIN              string  `json:"asin,omitempty"`                  // version 2
		EstimatedDelivery string  `json:"estimatedDeliveryDate,omitempty"` // version 2 orders
	}
	drsDocSubsInfo struct {
		Slots map[string]any `json:"slotsSubscriptionStatus"`
	}
	drsDocSlotV2 struct {
		Subscribed bool            `json:"subscribed"`
		Products   []drsDocProduct `json:"productInfoList"`
	}
)

// drsDocVersion is notificationInfo.version in Amazon's samples.
const drsDocVersion = "2015-06-05"

// document renders ev as DRS message version "1" or "2".
func (ev *snsEvent) document(version string) string {
	doc := drsDoc{Info: drsDocInfo{Type: ev.typ, ClientID: ev.key.clientID,
		Time: ev.at.UTC().Format(orderDateLayout),
		ID:   "amzn1.dash.notification.v1." + newRequestID(), Version: drsDocVersion},
		Customer: drsDocCustomer{ev.customer}}
	doc.Device.DeviceIdentifier.SerialNumber = ev.key.serial
	doc.Device.ProductIdentifier.ModelID = ev.key.model
	v2 := version == "2"
	if o := ev.order; o != nil {
		doc.Order = &drsDocOrder{InstanceID: o.ID, SlotID: o.SlotID}
		if ev.typ != sns.OrderCancelledType {
			p := drsDocProduct{Quantity: float64(o.Quantity), Unit: o.Unit}
			eta := o.ExpectedDelivery.UTC().Format(time.RFC3339)
			if v2 {
				p.ASIN, p.EstimatedDelivery = o.ASIN, eta
			} else {
				doc.Order.EstimatedDelivery = eta
			}
			doc.Order.Products = []drsDocProduct{p}
		}
	}
	if ev.typ == sns.SubscriptionChangedType {
		doc.Subscription = &drsDocSubsInfo{Slots: map[string]any{}}
		for _, sl := range ev.slots {
			if !v2 {
				doc.Subscription.Slots[sl.id] = sl.product != nil
				continue
			}
			st := drsDocSlotV2{Subscribed: sl.product != nil, Products: []drsDocProduct{}}
			if p := sl.product; p != nil {
				st.Products = append(st.Products, drsDocProduct{Quantity: float64(p.Quantity), Unit: p.Unit, ASIN: p.ASIN})
			}
			doc.Subscription.Slots[sl.id] = st
		}
	}
	b, _ := json.Marshal(doc) // plain structs and strings: cannot fail
	return string(b)
}

// customerID returns a directedCustomerId for the customer name:
// "amzn1.account." and 24 base32 letters of its hash, the shape of
// Amazon's.
func customerID(name string) string {
	sum := sha256.Sum256([]byte(name))
	return "amzn1.account." + base32.StdEncoding.EncodeToString(sum[:])[:24]
}

// event returns a notification of typ for d at now. The caller holds the
// state's lock.
func (s *Server) event(typ string, d *device, now time.Time) *snsEvent {
	return &snsEvent{typ: typ, key: d.key, customer: s.customer, at: now}
}

// notifyLinked publishes what a link produces: DeviceRegistered, then
// SubscriptionChanged with the product choices. The caller holds the
// state's lock.
func (s *Server) notifyLinked(d *device, now time.Time) {
	if s.sns.confirmed.Load() == 0 {
		return
	}
	s.sns.publish(s.event(sns.DeviceRegisteredType, d, now))
	s.notifySlots(d, now)
}

// notifySlots publishes d's SubscriptionChanged. The caller holds the
// state's lock.
func (s *Server) notifySlots(d *device, now time.Time) {
	if s.sns.confirmed.Load() == 0 {
		return
	}
	ev := s.event(sns.SubscriptionChangedType, d, now)
	for _, sl := range d.model.Slots {
		ss := slotSub{id: sl.ID}
		if p, ok := d.subs[sl.ID]; ok {
			ss.product = &p
		}
		ev.slots = append(ev.slots, ss)
	}
	s.sns.publish(ev)
}

// notifyOrder publishes an order notification. The caller holds the
// state's lock.
func (s *Server) notifyOrder(typ string, d *device, o *order, now time.Time) {
	if s.sns.confirmed.Load() == 0 {
		return
	}
	ev := s.event(typ, d, now)
	snap := o.snapshot(now)
	ev.order = &snap
	s.sns.publish(ev)
}

// notifyDeregistered publishes DeviceDeregistered. The caller holds the
// state's lock.
func (s *Server) notifyDeregistered(d *device, now time.Time) {
	if s.sns.confirmed.Load() == 0 {
		return
	}
	s.sns.publish(s.event(sns.DeviceDeregisteredType, d, now))
}
