package drs

// typePrefix starts every DRS type name in the x-amzn-* headers.
const typePrefix = "com.amazon.dash.replenishment."

// operation describes one call: for DRS, its HTTP method and the schema
// versions it sends in x-amzn-type-version and x-amzn-accept-type; for
// every call, whether a failed attempt may be sent again. It is the one table
// of wire facts; every request goes through it (see Client.call and
// Client.refresh).
type operation struct {
	name       string
	method     string
	typeVer    string // x-amzn-type-version: the input schema
	acceptType string // x-amzn-accept-type: the result schema
	// idempotent calls may be repeated after 429, 5xx or a transport
	// failure. Replenish is not: a second order costs the customer money.
	// Neither is the code exchange: a code is single use.
	idempotent bool
	// lwa marks the Login with Amazon token calls, which go through
	// golang.org/x/oauth2 rather than Client.call.
	lwa bool
}

var (
	opReplenish = operation{"Replenish", "POST",
		typePrefix + "DrsReplenishInput@1.0", typePrefix + "DrsReplenishResult@1.0", false, false}
	opSlotStatus = operation{"SlotStatus", "POST",
		typePrefix + "DrsSlotStatusInput@1.0", typePrefix + "DrsSlotStatusResult@1.0", true, false}
	opDeviceStatus = operation{"DeviceStatus", "POST",
		typePrefix + "DrsDeviceStatusInput@1.0", typePrefix + "DrsDeviceStatusResult@1.0", true, false}
	opSubscriptionInfoV1 = operation{"SubscriptionInfo", "GET",
		typePrefix + "DrsSubscriptionInfoInput@1.0", typePrefix + "DrsSubscriptionInfoResult@1.0", true, false}
	opSubscriptionInfoV2 = operation{"SubscriptionInfo", "GET",
		typePrefix + "DrsSubscriptionInfoInput@1.0", typePrefix + "DrsSubscriptionInfoResult@2.0", true, false}
	opDeregisterV1 = operation{"Deregister", "DELETE",
		typePrefix + "DrsDeregisterInput@1.0", typePrefix + "DrsDeregisterResult@1.0", true, false}
	opDeregisterV2 = operation{"Deregister", "DELETE",
		typePrefix + "DrsDeregisterInput@2.0", typePrefix + "DrsDeregisterResult@1.0", true, false}
	opCancelTestOrders = operation{"CancelTestOrders", "DELETE",
		typePrefix + "DrsCancelTestOrdersInput@1.0", typePrefix + "DrsCancelTestOrdersResult@1.0", true, false}
	opOrderInfo = operation{"OrderInfo", "GET",
		typePrefix + "DrsOrderInfoInput@1.0", typePrefix + "DrsOrderInfoResult@1.0", true, false}

	// The LWA token calls: a refresh may be repeated, a code exchange not.
	opRefresh  = operation{name: "RefreshToken", method: "POST", idempotent: true, lwa: true}
	opExchange = operation{name: "Exchange", method: "POST", idempotent: false, lwa: true}
)
