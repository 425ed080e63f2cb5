package drs

// typePrefix starts every DRS type name in the x-amzn-* headers.
const typePrefix = "com.amazon.dash.replenishment."

// operation describes one DRS endpoint: its HTTP method, the schema versions
// it sends in x-amzn-type-version and x-amzn-accept-type, and whether a
// failed call may be sent again. It is the one table of wire facts; every
// request goes through it (see Client.do).
type operation struct {
	name       string
	method     string
	typeVer    string // x-amzn-type-version: the input schema
	acceptType string // x-amzn-accept-type: the result schema
	// idempotent calls may be repeated after 429, 5xx or a connection failure.
	// Replenish is not: a second order costs the customer money.
	idempotent bool
}

var (
	opReplenish = operation{"Replenish", "POST",
		typePrefix + "DrsReplenishInput@1.0", typePrefix + "DrsReplenishResult@1.0", false}
	opSlotStatus = operation{"SlotStatus", "POST",
		typePrefix + "DrsSlotStatusInput@1.0", typePrefix + "DrsSlotStatusResult@1.0", true}
	opDeviceStatus = operation{"DeviceStatus", "POST",
		typePrefix + "DrsDeviceStatusInput@1.0", typePrefix + "DrsDeviceStatusResult@1.0", true}
	opSubscriptionInfoV1 = operation{"SubscriptionInfo", "GET",
		typePrefix + "DrsSubscriptionInfoInput@1.0", typePrefix + "DrsSubscriptionInfoResult@1.0", true}
	opSubscriptionInfoV2 = operation{"SubscriptionInfo", "GET",
		typePrefix + "DrsSubscriptionInfoInput@1.0", typePrefix + "DrsSubscriptionInfoResult@2.0", true}
	opDeregisterV1 = operation{"Deregister", "DELETE",
		typePrefix + "DrsDeregisterInput@1.0", typePrefix + "DrsDeregisterResult@1.0", true}
	opDeregisterV2 = operation{"Deregister", "DELETE",
		typePrefix + "DrsDeregisterInput@2.0", typePrefix + "DrsDeregisterResult@1.0", true}
	opCancelTestOrders = operation{"CancelTestOrders", "DELETE",
		typePrefix + "DrsCancelTestOrdersInput@1.0", typePrefix + "DrsCancelTestOrdersResult@1.0", true}
	opOrderInfo = operation{"OrderInfo", "GET",
		typePrefix + "DrsOrderInfoInput@1.0", typePrefix + "DrsOrderInfoResult@1.0", true}
)
