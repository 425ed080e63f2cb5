package drssim

// Endpoint names, used by [Fault.Endpoint], [Server.Requests] and the
// /_emulator/faults and /_emulator/requests control-plane endpoints.
const (
	// EndpointAuthorize is GET /ap/oa, the LWA authorization page.
	EndpointAuthorize = "authorize"
	// EndpointConsent is POST /ap/oa/consent, the consent form's target.
	EndpointConsent = "consent"
	// EndpointToken is POST /auth/o2/token, the LWA token endpoint.
	EndpointToken = "token"
	// EndpointReplenish is POST /replenish/{slotId}.
	EndpointReplenish = "replenish"
	// EndpointSlotStatus is POST /slotStatus/{slotId}.
	EndpointSlotStatus = "slotStatus"
	// EndpointDeviceStatus is POST /deviceStatus.
	EndpointDeviceStatus = "deviceStatus"
	// EndpointSubscriptionInfo is GET /subscriptionInfo (both result versions).
	EndpointSubscriptionInfo = "subscriptionInfo"
	// EndpointDeregister is DELETE /registration and DELETE
	// /deviceModels/{model}/devices/{serial}/registration.
	EndpointDeregister = "deregister"
	// EndpointCancelTestOrders is DELETE /testOrders/slots/{slotId} (and the
	// legacy /testOrders/{slotId}) and DELETE /testOrders.
	EndpointCancelTestOrders = "cancelTestOrders"
	// EndpointOrderInfo is GET /getOrderInfo/{eventInstanceId}.
	EndpointOrderInfo = "orderInfo"
)

// endpointNames lists the endpoints in the order the control plane reports
// them; an endpoint's index here is its counter and fault-queue index.
var endpointNames = [...]string{
	EndpointAuthorize,
	EndpointConsent,
	EndpointToken,
	EndpointReplenish,
	EndpointSlotStatus,
	EndpointDeviceStatus,
	EndpointSubscriptionInfo,
	EndpointDeregister,
	EndpointCancelTestOrders,
	EndpointOrderInfo,
}

const numEndpoints = len(endpointNames)

// noEndpoint marks routes that are neither counted nor faulted: the control
// plane and unknown paths.
const noEndpoint = -1

// EndpointNames returns the names of every endpoint that can be counted and
// faulted.
func EndpointNames() []string { return append([]string(nil), endpointNames[:]...) }

// endpointIndex returns the index of the named endpoint, or noEndpoint.
func endpointIndex(name string) int {
	for i, n := range endpointNames {
		if n == name {
			return i
		}
	}
	return noEndpoint
}

// endpointName returns the name of endpoint index i, or "" for noEndpoint.
func endpointName(i int) string {
	if i < 0 || i >= numEndpoints {
		return ""
	}
	return endpointNames[i]
}

// Requests returns how many requests for the named endpoint reached the
// emulator, counted before faults apply (dropped ones included). It returns
// 0 for an unknown name.
func (s *Server) Requests(endpoint string) int {
	i := endpointIndex(endpoint)
	if i == noEndpoint {
		return 0
	}
	return int(s.counts[i].Load())
}

// requestCounts returns every endpoint's counter, by name.
func (s *Server) requestCounts() map[string]int {
	out := make(map[string]int, numEndpoints)
	for i, n := range endpointNames {
		out[n] = int(s.counts[i].Load())
	}
	return out
}
