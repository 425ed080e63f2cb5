package drs_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/amazondrs/drs"
)

// Fuzz targets for every DRS response decoder: whatever a 2xx body holds,
// the call returns either a result that matches the body or a code 1010
// error that keeps the body, never panics, and sends exactly one request.
// Seeds: the f.Add calls below and testdata/fuzz/<target>/.

// fzCheckDecodeError checks a decode failure of a 200 answer.
func fzCheckDecodeError(t *testing.T, err error, body []byte) {
	t.Helper()
	e := fzCheckError(t, err, body)
	if e.Code != drs.CodeGeneral || e.StatusCode != 200 || !bytes.Equal(e.Body, body) {
		t.Fatalf("decode error: code %d status %d body kept %v, want 1010, 200, true: %v", e.Code, e.StatusCode, bytes.Equal(e.Body, body), err)
	}
}

func fzOneRequest(t *testing.T, a *fzAmazon, op string) {
	t.Helper()
	if d, tk := a.counts(); d != 1 || tk != 0 {
		t.Fatalf("%s sent %d DRS and %d token requests, want 1 and 0", op, d, tk)
	}
}

func FuzzReplenishResponse(f *testing.F) {
	for _, s := range []string{
		`{"eventInstanceId":"amzn1.dash.v2.o.ci45xxxx","detailCode":"STANDARD_ORDER_PLACED"}`,
		`{"eventInstanceId":"amzn1.dash.v2.o.ci45xxxx""detailCode":"STANDARD_ORDER_PLACED"}`, // Amazon's doc sample
		`{"detailCode":"ORDER_INPROGRESS"}`,
		`{"eventInstanceId":"x"}`,
		`{"detailCode":null}`,
		`{"detailCode":1}`,
		`null`, `[]`, ``, ` `, `{`,
		`{"detailCode":"TEST_ORDER_PLACED","extra":{"nested":[1,2,3]}}`,
	} {
		f.Add([]byte(s))
	}
	a := newFzAmazon(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		a.reset(fzReply(200, nil, body), nil)
		c, logs := a.client(t)
		res, err := c.Replenish(t.Context(), "slot-1")
		fzOneRequest(t, a, "Replenish")
		var want struct {
			EventInstanceID string `json:"eventInstanceId"`
			DetailCode      string `json:"detailCode"`
		}
		jerr := json.Unmarshal(body, &want)
		if err != nil {
			fzCheckDecodeError(t, err, body)
			if jerr == nil && want.DetailCode != "" {
				t.Fatalf("Replenish refused a body encoding/json decodes with a detail code: %v", err)
			}
		} else {
			if jerr != nil || res.DetailCode == "" || string(res.DetailCode) != want.DetailCode || res.EventInstanceID != want.EventInstanceID {
				t.Fatalf("Replenish accepted %q as %+v (json: %v)", body, res, jerr)
			}
			if res.Response == nil || res.Response.StatusCode != 200 || !bytes.Equal(res.Response.Body, body) {
				t.Fatalf("Response not kept: %+v", res.Response)
			}
		}
		fzCheckLogs(t, logs, body)
	})
}

func FuzzCancelTestOrdersResponse(f *testing.F) {
	for _, s := range []string{
		`{"slotOrderStatuses":[{"slotId":"coffee","orderStatus":"NO_ORDER_IN_PROGRESS"}]}`,
		`{"slotOrderStatuses":[]}`,
		`{"slotOrderStatuses":null}`,
		`{"slotOrderStatuses":[null,{}]}`,
		`{"slotOrderStatuses":{}}`,
		`{}`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	a := newFzAmazon(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var want struct {
			S []drs.SlotOrderStatus `json:"slotOrderStatuses"`
		}
		jerr := json.Unmarshal(body, &want)
		for _, all := range []bool{false, true} {
			a.reset(fzReply(200, nil, body), nil)
			c, logs := a.client(t)
			var res *drs.CancelTestOrdersResult
			var err error
			if all {
				res, err = c.CancelAllTestOrders(t.Context())
			} else {
				res, err = c.CancelTestOrder(t.Context(), "slot-1")
			}
			fzOneRequest(t, a, "CancelTestOrders")
			if err != nil {
				fzCheckDecodeError(t, err, body)
				if jerr == nil && want.S != nil {
					t.Fatalf("refused a body encoding/json decodes: %v", err)
				}
			} else {
				if jerr != nil || res.SlotOrderStatuses == nil || !reflect.DeepEqual(res.SlotOrderStatuses, want.S) {
					t.Fatalf("accepted %q as %+v (json: %v)", body, res.SlotOrderStatuses, jerr)
				}
				if res.Response == nil || !bytes.Equal(res.Response.Body, body) {
					t.Fatalf("Response not kept: %+v", res.Response)
				}
			}
			fzCheckLogs(t, logs, body)
		}
	})
}

// FuzzSubscriptionInfo covers SubscriptionInfo.UnmarshalJSON directly and
// through both result versions of the call.
func FuzzSubscriptionInfo(f *testing.F) {
	for _, s := range []string{
		`{"slotsSubscriptionStatus":{"coffee":true,"filters":false}}`,
		`{"slotsSubscriptionStatus":{"coffee":{"subscribed":true,"productInfoList":[{"asin":"B01","quantity":1,"unit":"count"}]},"tea":{"subscribed":false,"productInfoList":[]}}}`,
		`{"slotsSubscriptionStatus":{"coffee":{"productInfoList":[]}}}`,
		`{"slotsSubscriptionStatus":{"coffee":{"subscribed":null}}}`,
		`{"slotsSubscriptionStatus":{"coffee":null}}`,
		`{"slotsSubscriptionStatus":{"coffee":"true"}}`,
		`{"slotsSubscriptionStatus":{"coffee":tru}}`,
		`{"slotsSubscriptionStatus":{"":true,"a/b":false,"..":true}}`,
		`{"slotsSubscriptionStatus":{}}`,
		`{"slotsSubscriptionStatus":null}`,
		`{"SLOTSSUBSCRIPTIONSTATUS":{"x":true},"slotsSubscriptionStatus":{"y":false}}`,
		`{}`, `null`, `[]`, ``,
	} {
		f.Add([]byte(s))
	}
	a := newFzAmazon(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var direct drs.SubscriptionInfo
		derr := direct.UnmarshalJSON(body)
		var viaJSON drs.SubscriptionInfo
		jerr := json.Unmarshal(body, &viaJSON)
		if derr == nil {
			fzCheckSubscription(t, &direct)
			if jerr != nil {
				t.Fatalf("UnmarshalJSON accepted %q that json.Unmarshal refuses: %v", body, jerr)
			}
		}
		if jerr == nil {
			fzCheckSubscription(t, &viaJSON)
		}
		var first *drs.SubscriptionInfo
		for _, v1 := range []bool{false, true} {
			a.reset(fzReply(200, nil, body), nil)
			c, logs := a.client(t)
			var res *drs.SubscriptionInfo
			var err error
			if v1 {
				res, err = c.SubscriptionInfoV1(t.Context())
			} else {
				res, err = c.SubscriptionInfo(t.Context())
			}
			fzOneRequest(t, a, "SubscriptionInfo")
			if (err == nil) != (jerr == nil) {
				t.Fatalf("call error %v, json.Unmarshal error %v", err, jerr)
			}
			if err != nil {
				fzCheckDecodeError(t, err, body)
			} else {
				fzCheckSubscription(t, res)
				if want := map[bool]string{false: "2.0", true: "1.0"}[v1]; res.Version != want {
					t.Fatalf("Version = %q, want %q", res.Version, want)
				}
				if res.Response == nil || !bytes.Equal(res.Response.Body, body) {
					t.Fatalf("Response not kept: %+v", res.Response)
				}
				if first != nil && !reflect.DeepEqual(first.Slots, res.Slots) {
					t.Fatalf("v1 and v2 decode the same body differently: %+v vs %+v", first.Slots, res.Slots)
				}
				first = res
			}
			fzCheckLogs(t, logs, body)
		}
	})
}

func fzCheckSubscription(t *testing.T, s *drs.SubscriptionInfo) {
	t.Helper()
	if s.Slots == nil {
		t.Fatal("accepted without slots")
	}
	ids := s.SlotIDs()
	if len(ids) != len(s.Slots) || !slices.IsSorted(ids) {
		t.Fatalf("SlotIDs() = %q for %d slots", ids, len(s.Slots))
	}
}

func FuzzOrderInfoResponse(f *testing.F) {
	for _, s := range []string{
		`{"orderInfoData":{"instanceId":"amzn1.dash.v2.o.xxx","orderItems":[{"asin":"B0","expectedDeliveryDate":"2017-01-05T07:59:59.000Z","quantity":1,"slotId":"PaperTowel","status":"Processing"}]}}`,
		`{"orderInfoData":{"instanceId":"x","orderItems":[{"expectedDeliveryDate":"2017-01-05"}]}}`,
		`{"orderInfoData":{"instanceId":"x","orderItems":[{"expectedDeliveryDate":null}]}}`,
		`{"orderInfoData":{"instanceId":"x","orderItems":null}}`,
		`{"orderInfoData":{}}`,
		`{"orderInfoData":null}`,
		`{"orderInfoData":[]}`,
		`{}`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	a := newFzAmazon(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		a.reset(fzReply(200, nil, body), nil)
		c, logs := a.client(t)
		res, err := c.OrderInfo(t.Context(), "amzn1.dash.v2.o.fz")
		fzOneRequest(t, a, "OrderInfo")
		var want struct {
			Data *drs.OrderInfo `json:"orderInfoData"`
		}
		jerr := json.Unmarshal(body, &want)
		if err != nil {
			fzCheckDecodeError(t, err, body)
			if jerr == nil && want.Data != nil {
				t.Fatalf("refused a body encoding/json decodes: %v", err)
			}
		} else {
			if jerr != nil || want.Data == nil {
				t.Fatalf("accepted %q (json: %v)", body, jerr)
			}
			want.Data.Response = res.Response
			if !reflect.DeepEqual(res, want.Data) {
				t.Fatalf("OrderInfo = %+v, want %+v", res, want.Data)
			}
			if res.Response == nil || !bytes.Equal(res.Response.Body, body) {
				t.Fatalf("Response not kept: %+v", res.Response)
			}
		}
		fzCheckLogs(t, logs, body)
	})
}

// FuzzAPIErrorResponse sends Replenish error answers: any status, error type,
// request ID, Retry-After and body. The error must carry them faithfully,
// Replenish must never be sent twice except after "Invalid token" (with one
// refresh in between), and the error text must stay one clean line.
func FuzzAPIErrorResponse(f *testing.F) {
	type seed struct {
		status                   int
		errType, reqID, retryAft string
		body                     string
	}
	for _, s := range []seed{
		{400, "InvalidTokenException:http://internal.amazon.com/coral/com.amazon.parkeraccioservice/", "req-1", "", `{"message":"Invalid token"}`},
		{400, "", "", "", `{"message":"Invalid token"}`},
		{400, "ValidationException", "r", "", `{"message":"Invalid slotId"}`},
		{404, "", "r", "", `{"Message":"Slot not found"}`},
		{429, "ThrottlingException", "r", "1", `{"message":"Rate exceeded"}`},
		{429, "", "", "Fri, 31 Dec 9999 23:59:59 GMT", ``},
		{503, "", "", "99999999999999999999", `<html><body><h1>503 Service Unavailable</h1></body></html>`},
		{500, " : ", "", "-1", `{"message":"line one\nline two\u2028\u0000"}`},
		{502, "Bad\tType", "id\xff", "", "{\"message\":\"\xff\xfe\"}"},
		{301, "", "", "", `moved`},
		{999, "", "", "", `{"message":null,"Message":"upper"}`},
	} {
		f.Add(s.status, s.errType, s.reqID, s.retryAft, []byte(s.body))
	}
	a := newFzAmazon(f)
	f.Fuzz(func(t *testing.T, status int, errType, reqID, retryAft string, body []byte) {
		status = fzStatus(status)
		if status < 300 {
			status += 200
		}
		errType, reqID, retryAft = fzHeaderValue(errType), fzHeaderValue(reqID), fzHeaderValue(retryAft)
		h := http.Header{}
		if errType != "" {
			h.Set("X-Amzn-Errortype", errType)
		}
		if reqID != "" {
			h.Set("X-Amzn-Requestid", reqID)
		}
		if retryAft != "" {
			h.Set("Retry-After", retryAft)
		}
		a.reset(fzReply(status, h, body), nil)
		c, logs := a.client(t)
		input := append([]byte(errType+reqID+retryAft), body...)
		res, err := c.Replenish(t.Context(), "slot-1")
		if err == nil {
			t.Fatalf("status %d: Replenish succeeded: %+v", status, res)
		}
		e := fzCheckError(t, err, input)
		wantBody := body
		if status == http.StatusNotModified {
			wantBody = nil // a 304 has no body
		}
		if e.StatusCode != status || (e.Code != status && status <= 999) || !bytes.Equal(e.Body, wantBody) {
			t.Fatalf("error %+v does not match status %d / body %q", e, status, body)
		}
		if strings.Contains(e.ErrorType, ":") || strings.TrimSpace(e.ErrorType) != e.ErrorType {
			t.Fatalf("ErrorType %q was not cut at ':' and trimmed", e.ErrorType)
		}
		if e.Temporary() != (status == 429 || status >= 500) {
			t.Fatalf("Temporary() = %v for status %d", e.Temporary(), status)
		}
		drsN, tokenN := a.counts()
		wantDRS, wantToken := 1, 0
		if status == 400 && errors.Is(err, drs.ErrInvalidToken) {
			wantDRS, wantToken = 2, 1 // refused, refreshed once, sent again
		}
		if drsN != wantDRS || tokenN != wantToken {
			t.Fatalf("status %d (%v): %d DRS and %d token requests, want %d and %d", status, err, drsN, tokenN, wantDRS, wantToken)
		}
		fzCheckLogs(t, logs, input)
	})
}
