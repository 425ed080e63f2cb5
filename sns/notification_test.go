package sns

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// orderPlacedV2 is Amazon's version 2.0 sample, trailing comma and all
// (developer.amazon.com/docs/dash/notification-messages.html).
const orderPlacedV2 = `{
    "notificationInfo": {
        "notificationType": "OrderPlacedNotification",
        "lwaClientId": "amzn1.application-oa2-client.test",
        "notificationTime": "2016-12-02T21:09:58.689Z",
        "notificationId": "amzn1.dash.notification.v1.xxxxxxxxxxxxx13",
        "version": "2015-06-05"
    },
    "deviceInfo": {
        "deviceIdentifier": {
            "serialNumber": "mySerialNumber"
        },
        "productIdentifier": {
            "modelId": "myDeviceModel"
        }
    },
    "customerInfo": {
        "directedCustomerId": "amzn1.account.AH54JCXQ7WZKCZOFxxxxxxxx"
        },
    "orderInfo": {
        "instanceId": "amzn1.dash.v2.o.ci45xxxxxxxxxxx",
        "slotId": "myProduct",
        "productInfo": [{
            "quantity": 1.0,
            "unit": "count",
            "asin": "myAsinNumber",
            "estimatedDeliveryDate": "2016-12-09T07:59:59Z"
        }],
    }
}`

func TestParseNotification(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2016, 12, d, 7, 59, 59, 0, time.UTC) }
	v2 := map[string]MessageAttribute{"version": {Type: "String", Value: "2.0"}}
	common := Notification{
		MessageID: "m-1", TopicARN: testTopic, Version: "1.0", ID: "amzn1.dash.notification.v1.1",
		ClientID: testClientID, Time: time.Date(2016, 12, 2, 21, 9, 58, 689e6, time.UTC),
		SerialNumber: "sn-1", ModelID: "model-1", CustomerID: "amzn1.account.C",
	}
	with := func(typ, version string, e Event) Notification {
		n := common
		n.Type, n.Event = typ, e
		if version != "" {
			n.Version = version
		}
		return n
	}
	tests := []struct {
		name  string
		msg   string
		attrs map[string]MessageAttribute
		want  Notification
	}{
		{"order placed v2 sample", orderPlacedV2, v2, Notification{
			MessageID: "m-1", TopicARN: testTopic, Version: "2.0", Type: OrderPlacedType,
			ID: "amzn1.dash.notification.v1.xxxxxxxxxxxxx13", ClientID: testClientID,
			Time:         time.Date(2016, 12, 2, 21, 9, 58, 689e6, time.UTC),
			SerialNumber: "mySerialNumber", ModelID: "myDeviceModel", CustomerID: "amzn1.account.AH54JCXQ7WZKCZOFxxxxxxxx",
			Event: &OrderPlaced{Order{InstanceID: "amzn1.dash.v2.o.ci45xxxxxxxxxxx", SlotID: "myProduct",
				Products: []Product{{ASIN: "myAsinNumber", Quantity: 1, Unit: "count", EstimatedDelivery: day(9)}}}},
		}},
		{"order placed v1", drsMessage(OrderPlacedType, testClientID,
			`"orderInfo":{"instanceId":"i-1","slotId":"s-1","productInfo":[{"quantity":2,"unit":"count"}],"estimatedDeliveryDate":"2016-12-09T07:59:59Z"}`), nil,
			with(OrderPlacedType, "", &OrderPlaced{Order{InstanceID: "i-1", SlotID: "s-1",
				Products: []Product{{Quantity: 2, Unit: "count"}}, EstimatedDelivery: day(9)}})},
		{"order cancelled", drsMessage(OrderCancelledType, testClientID, `"orderInfo":{"instanceId":"i-1","slotId":"s-1"}`), v2,
			with(OrderCancelledType, "2.0", &OrderCancelled{Order{InstanceID: "i-1", SlotID: "s-1"}})},
		{"item shipped, quantity as a string", drsMessage(ItemShippedType, testClientID,
			`"orderInfo":{"instanceId":"i-1","slotId":"s-1","productInfo":[{"quantity":"1.0","unit":"count","asin":"B0","estimatedDeliveryDate":"2016-12-10T07:59:59Z"}]}`), v2,
			with(ItemShippedType, "2.0", &ItemShipped{Order{InstanceID: "i-1", SlotID: "s-1",
				Products: []Product{{ASIN: "B0", Quantity: 1, Unit: "count", EstimatedDelivery: day(10)}}}})},
		{"device registered", drsMessage(DeviceRegisteredType, testClientID, ""), nil,
			with(DeviceRegisteredType, "", &DeviceRegistered{})},
		{"device deregistered, unknown fields", drsMessage(DeviceDeregisteredType, testClientID, `"newThing":{"x":[1,2]},"reason":"app removed"`), nil,
			with(DeviceDeregisteredType, "", &DeviceDeregistered{})},
		{"subscription changed v1", drsMessage(SubscriptionChangedType, testClientID,
			`"subscriptionInfo":{"slotsSubscriptionStatus":{"s-1":true,"s-2":false}}`), nil,
			with(SubscriptionChangedType, "", &SubscriptionChanged{Slots: map[string]SlotStatus{
				"s-1": {Subscribed: true}, "s-2": {}}})},
		{"subscription changed v2", drsMessage(SubscriptionChangedType, testClientID,
			`"subscriptionInfo":{"slotsSubscriptionStatus":{"s-1":{"subscribed":true,"productInfoList":[{"quantity":1.0,"unit":"count","asin":"B0"}]},"s-2":{"subscribed":false,}}}`), v2,
			with(SubscriptionChangedType, "2.0", &SubscriptionChanged{Slots: map[string]SlotStatus{
				"s-1": {Subscribed: true, Products: []Product{{ASIN: "B0", Quantity: 1, Unit: "count"}}}, "s-2": {}}})},
		{"unknown type", drsMessage("ShinyNewNotification", testClientID, `"x":1`), nil,
			with("ShinyNewNotification", "", &Unknown{Type: "ShinyNewNotification"})},
	}
	for _, tt := range tests {
		m := &Message{Type: TypeNotification, MessageID: "m-1", TopicARN: testTopic, Message: tt.msg, MessageAttributes: tt.attrs}
		got, err := ParseNotification(m)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if string(got.Raw) != tt.msg {
			t.Errorf("%s: Raw = %q", tt.name, got.Raw)
		}
		if diff := cmp.Diff(tt.want, *got, cmpopts.IgnoreFields(Notification{}, "Raw")); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestParseNotificationRefuses(t *testing.T) {
	tests := []struct {
		name, msg, want string
	}{
		{"not JSON", "hello", "not JSON"},
		{"truncated", orderPlacedV2[:200], "not JSON"},
		{"trailing comma is all it forgives", `{"notificationInfo":{"notificationType":"X",,}}`, "not JSON"},
		{"no type", `{"notificationInfo":{}}`, "notificationType"},
		{"bad time", strings.Replace(drsMessage(DeviceRegisteredType, "c", ""), "2016-12-02T21:09:58.689Z", "Friday", 1), "notificationTime"},
		{"order without orderInfo", drsMessage(OrderPlacedType, "c", ""), "no orderInfo"},
		{"order without instanceId", drsMessage(OrderPlacedType, "c", `"orderInfo":{"slotId":"s"}`), "instanceId"},
		{"bad quantity", drsMessage(OrderPlacedType, "c", `"orderInfo":{"instanceId":"i","productInfo":[{"quantity":"many"}]}`), "quantity"},
		{"NaN quantity", drsMessage(OrderPlacedType, "c", `"orderInfo":{"instanceId":"i","productInfo":[{"quantity":"NaN"}]}`), "quantity"},
		{"infinite quantity", drsMessage(OrderPlacedType, "c", `"orderInfo":{"instanceId":"i","productInfo":[{"quantity":"-Inf"}]}`), "quantity"},
		{"bad delivery date", drsMessage(OrderPlacedType, "c", `"orderInfo":{"instanceId":"i","estimatedDeliveryDate":"soon"}`), "estimatedDeliveryDate"},
		{"subscription without info", drsMessage(SubscriptionChangedType, "c", ""), "subscriptionInfo"},
		{"slot neither", drsMessage(SubscriptionChangedType, "c", `"subscriptionInfo":{"slotsSubscriptionStatus":{"s":"yes"}}`), "slot"},
		{"wrong shape", `{"notificationInfo":"OrderPlaced"}`, "DRS notification"},
	}
	for _, tt := range tests {
		_, err := ParseNotification(&Message{Type: TypeNotification, Message: tt.msg})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one with %q", tt.name, err, tt.want)
		}
	}
	if _, err := ParseNotification(&Message{Type: TypeSubscriptionConfirmation, Message: orderPlacedV2}); err == nil {
		t.Error("read a DRS notification from a SubscriptionConfirmation")
	}
}

func TestDropTrailingCommas(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":[1,2,],}`, `{"a":[1,2]}`},
		{"{\"a\":\"x,}\" , \"b\":1 ,\n }", "{\"a\":\"x,}\" , \"b\":1 \n }"},
		{`{"a":"\",]",}`, `{"a":"\",]"}`},
		{`[1,2]`, `[1,2]`},
	}
	for _, tt := range tests {
		if got := string(dropTrailingCommas([]byte(tt.in))); got != tt.want {
			t.Errorf("dropTrailingCommas(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
