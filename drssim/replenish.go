package drssim

import (
	"net/http"

	"github.com/amazondrs/drs/sns"
)

// Replenish detail codes (docs/wire.md, "Replenish").
const (
	detailStandard   = "STANDARD_ORDER_PLACED"
	detailTest       = "TEST_ORDER_PLACED"
	detailInProgress = "ORDER_INPROGRESS"
)

// replenish serves POST /replenish/{slotId}: 404 for an unknown slot,
// ORDER_INPROGRESS with the open order's eventInstanceId while the slot has
// an order in progress, else a new order, TEST_ORDER_PLACED for a test device
// and STANDARD_ORDER_PLACED otherwise. The request body is ignored.
func (s *Server) replenish(r *http.Request) response {
	slotID := r.PathValue("slotId")
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	call, fail, ok := s.begin(r, vReplenish)
	if !ok {
		return fail
	}
	d := call.dev
	if d.model.slot(slotID) == nil {
		return messageResponse(http.StatusNotFound, notFoundType, "Slot "+slotID+" does not exist for device model "+d.model.ID)
	}
	if o := s.st.openOrder(d, slotID, call.now); o != nil {
		return replenished(call, o.ID, detailInProgress)
	}
	p, ok := d.subs[slotID]
	if !ok { // every slot of a registered device has a product; be safe
		return validationError("No product is selected for slot " + slotID)
	}
	o := s.st.placeOrder(d, slotID, p, call.now)
	s.notifyOrder(sns.OrderPlacedType, d, o, call.now)
	detail := detailStandard
	if o.Test {
		detail = detailTest
	}
	return replenished(call, o.ID, detail)
}

// replenished is Replenish's 200; the request log shows the detail code.
func replenished(call drsCall, id, detail string) response {
	resp := success(vReplenish, call, replenishBody(id, detail))
	resp.outcome = detail
	return resp
}

// replenishBody builds {"detailCode":detail,"eventInstanceId":id} without
// reflection; both strings are plain ASCII that needs no escaping.
// detailCode comes first, as in Amazon's answers (docs/wire.md, "Replenish").
func replenishBody(id, detail string) []byte {
	b := make([]byte, 0, 40+len(id)+len(detail))
	b = append(b, `{"detailCode":"`...)
	b = append(b, detail...)
	b = append(b, `","eventInstanceId":"`...)
	b = append(b, id...)
	return append(b, `"}`...)
}

// slotOrderStatus is one entry of CancelTestOrders' slotOrderStatuses.
type slotOrderStatus struct {
	OrderStatus string `json:"orderStatus"`
	SlotID      string `json:"slotId"`
}

type cancelResult struct {
	SlotOrderStatuses []slotOrderStatus `json:"slotOrderStatuses"`
}

// cancelSlotTestOrder serves DELETE /testOrders/slots/{slotId} (and the
// legacy DELETE /testOrders/{slotId}): it cancels the slot's open test
// order. A slot blocked by a real order stays blocked and reports
// ORDER_INPROGRESS.
func (s *Server) cancelSlotTestOrder(r *http.Request) response {
	slotID := r.PathValue("slotId")
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	call, fail, ok := s.begin(r, vCancel)
	if !ok {
		return fail
	}
	if call.dev.model.slot(slotID) == nil {
		return unknownSlot(slotID)
	}
	status := s.cancelTestOrder(call, slotID)
	return s.cancelResponse(call, []slotOrderStatus{{status, slotID}})
}

// cancelAllTestOrders serves DELETE /testOrders: it cancels the open test
// orders of every slot and reports every slot of the model, in slot order.
func (s *Server) cancelAllTestOrders(r *http.Request) response {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	call, fail, ok := s.begin(r, vCancel)
	if !ok {
		return fail
	}
	out := make([]slotOrderStatus, 0, len(call.dev.model.Slots))
	for _, sl := range call.dev.model.Slots {
		out = append(out, slotOrderStatus{s.cancelTestOrder(call, sl.ID), sl.ID})
	}
	return s.cancelResponse(call, out)
}

// cancelTestOrder cancels the slot's open test order, sending
// OrderCancelled, and returns the slot's orderStatus. The caller holds the
// state's lock.
func (s *Server) cancelTestOrder(call drsCall, slotID string) string {
	status, o := s.st.cancelTestOrder(call.dev, slotID, call.now)
	if o != nil {
		s.notifyOrder(sns.OrderCancelledType, call.dev, o, call.now)
	}
	return status
}

func (s *Server) cancelResponse(call drsCall, statuses []slotOrderStatus) response {
	resp := jsonResponse(http.StatusOK, nil, cancelResult{statuses})
	resp.header = vCancel.echo[call.accept]
	return resp
}

// orderItem is one entry of GetOrderInfo's orderItems. Its quantity is the
// number of units of the ASIN in the order ("Quantity of the ASIN inside this
// order"), not the product's size in its unit.
type orderItem struct {
	ASIN                 string `json:"asin"`
	ExpectedDeliveryDate string `json:"expectedDeliveryDate"`
	Quantity             int    `json:"quantity"`
	SlotID               string `json:"slotId"`
	Status               string `json:"status"`
}

type orderInfoResult struct {
	OrderInfoData struct {
		InstanceID string      `json:"instanceId"`
		OrderItems []orderItem `json:"orderItems"`
	} `json:"orderInfoData"`
}

// orderUnits is how many units of its ASIN a Replenish order holds.
const orderUnits = 1

// orderDateLayout is GetOrderInfo's date format: RFC 3339, milliseconds, UTC.
const orderDateLayout = "2006-01-02T15:04:05.000Z"

// orderInfo serves GET /getOrderInfo/{eventInstanceId}. An unknown order, or
// another device's, is a 400.
func (s *Server) orderInfo(r *http.Request) response {
	id := r.PathValue("eventInstanceId")
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	call, fail, ok := s.begin(r, vOrderInfo)
	if !ok {
		return fail
	}
	o := s.st.orderByID[id]
	if o == nil || o.ClientID != call.dev.key.clientID || o.DeviceModel != call.dev.key.model || o.Serial != call.dev.key.serial {
		return validationError("Unknown eventInstanceId " + id + " for this device")
	}
	var res orderInfoResult
	res.OrderInfoData.InstanceID = o.ID
	res.OrderInfoData.OrderItems = []orderItem{{
		ASIN:                 o.ASIN,
		ExpectedDeliveryDate: o.ExpectedDelivery.UTC().Format(orderDateLayout),
		Quantity:             orderUnits,
		SlotID:               o.SlotID,
		Status:               o.status(call.now),
	}}
	resp := jsonResponse(http.StatusOK, nil, res)
	resp.header = vOrderInfo.echo[call.accept]
	return resp
}
