package sns

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// DRS notification types (notificationInfo.notificationType).
const (
	OrderPlacedType         = "OrderPlacedNotification"
	OrderCancelledType      = "OrderCancelledNotification"
	ItemShippedType         = "ItemShippedNotification"
	DeviceRegisteredType    = "DeviceRegisteredNotification"
	DeviceDeregisteredType  = "DeviceDeregisteredNotification"
	SubscriptionChangedType = "SubscriptionChangedNotification"
)

// Notification is a DRS notification: the JSON document in an SNS
// notification's Message, with the common parts read and the rest in Event.
type Notification struct {
	// MessageID is the SNS MessageId, the same on every retry.
	MessageID string
	// TopicARN is the SNS topic it came through.
	TopicARN string
	// Version is the message version, "1.0" or "2.0": the SNS message
	// attribute "version", "1.0" when absent. SNS does not sign message
	// attributes, so it is only a label: both shapes are read whatever it
	// says, and nothing should be decided on it.
	Version string
	// Type is notificationInfo.notificationType, e.g. OrderPlacedType.
	Type string
	// ID is notificationInfo.notificationId.
	ID string
	// ClientID is notificationInfo.lwaClientId, the security profile's
	// LWA client ID.
	ClientID string
	// Time is notificationInfo.notificationTime. DRS does not keep
	// notifications in order: order them by Time.
	Time time.Time
	// SerialNumber and ModelID identify the device (deviceInfo).
	SerialNumber string
	ModelID      string
	// CustomerID is customerInfo.directedCustomerId.
	CustomerID string
	// Event is one of *OrderPlaced, *OrderCancelled, *ItemShipped,
	// *DeviceRegistered, *DeviceDeregistered, *SubscriptionChanged, or
	// *Unknown for a type this package does not know.
	Event Event
	// Raw is the Message as received, for fields Amazon may add.
	Raw json.RawMessage
}

// Event is the type-specific part of a Notification.
type Event interface{ eventType() string }

// Order is the orderInfo of an order notification.
type Order struct {
	InstanceID string
	SlotID     string
	Products   []Product
	// EstimatedDelivery is orderInfo.estimatedDeliveryDate (version 1);
	// version 2 dates each product instead.
	EstimatedDelivery time.Time
}

// Product is one entry of orderInfo.productInfo or of a slot's
// productInfoList. Quantity is a number as DRS sends it (1.0 in its samples).
type Product struct {
	ASIN              string // version 2 only
	Quantity          float64
	Unit              string
	EstimatedDelivery time.Time // version 2 order notifications
}

// OrderPlaced says DRS placed an order after a Replenish call.
type OrderPlaced struct{ Order Order }

// OrderCancelled says an order was cancelled, by the customer or by the
// 72-hour order-resolution timeout.
type OrderCancelled struct{ Order Order }

// ItemShipped says an order shipped.
type ItemShipped struct{ Order Order }

// DeviceRegistered says a customer linked the device (every successful
// LWA login, before the customer chose products).
type DeviceRegistered struct{}

// DeviceDeregistered says the device was unlinked (deregistration API,
// amazon.com, customer service, or the app removed: then for all the
// customer's devices of the maker).
type DeviceDeregistered struct{}

// SubscriptionChanged gives the slots' subscriptions after a change.
type SubscriptionChanged struct {
	// Slots maps slot IDs to their status; Products only in version 2.
	Slots map[string]SlotStatus
}

// SlotStatus is one slot's subscription.
type SlotStatus struct {
	Subscribed bool
	Products   []Product
}

// Unknown is a notification type this package does not know; the whole
// document is in Notification.Raw.
type Unknown struct{ Type string }

func (*OrderPlaced) eventType() string         { return OrderPlacedType }
func (*OrderCancelled) eventType() string      { return OrderCancelledType }
func (*ItemShipped) eventType() string         { return ItemShippedType }
func (*DeviceRegistered) eventType() string    { return DeviceRegisteredType }
func (*DeviceDeregistered) eventType() string  { return DeviceDeregisteredType }
func (*SubscriptionChanged) eventType() string { return SubscriptionChangedType }
func (u *Unknown) eventType() string           { return u.Type }

type wireNotification struct {
	Info struct {
		Type     string `json:"notificationType"`
		ClientID string `json:"lwaClientId"`
		Time     string `json:"notificationTime"`
		ID       string `json:"notificationId"`
	} `json:"notificationInfo"`
	Device struct {
		DeviceIdentifier  struct{ SerialNumber string } `json:"deviceIdentifier"`
		ProductIdentifier struct{ ModelID string }      `json:"productIdentifier"`
	} `json:"deviceInfo"`
	Customer struct {
		DirectedCustomerID string `json:"directedCustomerId"`
	} `json:"customerInfo"`
	Order *struct {
		InstanceID        string        `json:"instanceId"`
		SlotID            string        `json:"slotId"`
		Products          []wireProduct `json:"productInfo"`
		EstimatedDelivery string        `json:"estimatedDeliveryDate"`
	} `json:"orderInfo"`
	Subscription *struct {
		Slots map[string]json.RawMessage `json:"slotsSubscriptionStatus"`
	} `json:"subscriptionInfo"`
}

type wireProduct struct {
	ASIN              string     `json:"asin"`
	Quantity          flexNumber `json:"quantity"`
	Unit              string     `json:"unit"`
	EstimatedDelivery string     `json:"estimatedDeliveryDate"`
}

// flexNumber reads a number or a string holding one.
type flexNumber float64

func (f *flexNumber) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("quantity %q is not a number", clip(string(b)))
	}
	*f = flexNumber(v)
	return nil
}

// ParseNotification reads the DRS notification in an SNS notification m
// (which should have been verified first). Unknown fields are ignored, and
// commas before a closing brace or bracket are forgiven, as Amazon's own
// samples have them. It does not check ClientID: the [Handler] does.
func ParseNotification(m *Message) (*Notification, error) {
	if m.Type != TypeNotification {
		return nil, fmt.Errorf("sns: a %s carries no DRS notification", clip(m.Type))
	}
	raw := []byte(m.Message)
	var w wireNotification
	if err := json.Unmarshal(raw, &w); err != nil {
		var syn *json.SyntaxError
		if !errors.As(err, &syn) {
			return nil, fmt.Errorf("sns: DRS notification: %w", err)
		}
		if err := json.Unmarshal(dropTrailingCommas(raw), &w); err != nil {
			return nil, fmt.Errorf("sns: DRS notification is not JSON: %w", err)
		}
	}
	n := &Notification{
		MessageID: m.MessageID, TopicARN: m.TopicARN, Version: "1.0",
		Type: w.Info.Type, ID: w.Info.ID, ClientID: w.Info.ClientID,
		SerialNumber: w.Device.DeviceIdentifier.SerialNumber,
		ModelID:      w.Device.ProductIdentifier.ModelID,
		CustomerID:   w.Customer.DirectedCustomerID,
		Raw:          bytes.Clone(raw),
	}
	if a, ok := m.MessageAttributes["version"]; ok && a.Value != "" {
		n.Version = a.Value
	}
	if n.Type == "" {
		return nil, errors.New("sns: DRS notification has no notificationInfo.notificationType")
	}
	var err error
	if n.Time, err = parseTime("notificationInfo.notificationTime", w.Info.Time); err != nil {
		return nil, err
	}
	n.Event, err = w.event(n.Type)
	if err != nil {
		return nil, fmt.Errorf("sns: DRS %s: %w", n.Type, err)
	}
	return n, nil
}

func (w *wireNotification) event(typ string) (Event, error) {
	switch typ {
	case OrderPlacedType, OrderCancelledType, ItemShippedType:
		o, err := w.order()
		if err != nil {
			return nil, err
		}
		switch typ {
		case OrderPlacedType:
			return &OrderPlaced{o}, nil
		case OrderCancelledType:
			return &OrderCancelled{o}, nil
		}
		return &ItemShipped{o}, nil
	case DeviceRegisteredType:
		return &DeviceRegistered{}, nil
	case DeviceDeregisteredType:
		return &DeviceDeregistered{}, nil
	case SubscriptionChangedType:
		return w.subscription()
	}
	return &Unknown{Type: typ}, nil
}

func (w *wireNotification) order() (Order, error) {
	if w.Order == nil {
		return Order{}, errors.New("no orderInfo")
	}
	if w.Order.InstanceID == "" {
		return Order{}, errors.New("no orderInfo.instanceId")
	}
	o := Order{InstanceID: w.Order.InstanceID, SlotID: w.Order.SlotID}
	var err error
	if o.EstimatedDelivery, err = parseTime("orderInfo.estimatedDeliveryDate", w.Order.EstimatedDelivery); err != nil {
		return Order{}, err
	}
	if o.Products, err = products(w.Order.Products); err != nil {
		return Order{}, err
	}
	return o, nil
}

func (w *wireNotification) subscription() (*SubscriptionChanged, error) {
	if w.Subscription == nil {
		return nil, errors.New("no subscriptionInfo")
	}
	s := &SubscriptionChanged{Slots: make(map[string]SlotStatus, len(w.Subscription.Slots))}
	for id, raw := range w.Subscription.Slots {
		var st SlotStatus
		// Version 1 maps a slot to a boolean, version 2 to an object.
		if err := json.Unmarshal(raw, &st.Subscribed); err != nil {
			var v2 struct {
				Subscribed bool          `json:"subscribed"`
				Products   []wireProduct `json:"productInfoList"`
			}
			if err := json.Unmarshal(raw, &v2); err != nil {
				return nil, fmt.Errorf("slot %q: neither a boolean nor a status object", clip(id))
			}
			st.Subscribed = v2.Subscribed
			if st.Products, err = products(v2.Products); err != nil {
				return nil, err
			}
		}
		s.Slots[id] = st
	}
	return s, nil
}

func products(ws []wireProduct) ([]Product, error) {
	var ps []Product
	for _, p := range ws {
		d, err := parseTime("estimatedDeliveryDate", p.EstimatedDelivery)
		if err != nil {
			return nil, err
		}
		ps = append(ps, Product{ASIN: p.ASIN, Quantity: float64(p.Quantity), Unit: p.Unit, EstimatedDelivery: d})
	}
	return ps, nil
}

// parseTime reads an RFC 3339 time; an empty value is the zero time.
func parseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("sns: %s %q is not an RFC 3339 time", field, clip(s))
	}
	return t, nil
}
