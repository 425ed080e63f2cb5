package drs_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/amazondrs/drs"
)

// FuzzSlotID checks every call that puts a caller's ID in the URL path: an
// accepted ID reaches the server as exactly one path segment that unescapes
// back to the ID; a refused one fails with code 1010 and sends nothing.
func FuzzSlotID(f *testing.F) {
	for _, s := range []string{
		"coffee-beans", "a/b", "..", ".", "...", "./x", "a/../b", "%2F", "%", "a?b#c", "a b", "a;b,c",
		"a+b=c&d", "\x00", "\n", "tab\there", "ü", "☕", "\xff", "", strings.Repeat("x", 255), strings.Repeat("x", 256),
		strings.Repeat("/", 255), "\\", "~user", "@:!$'()*",
	} {
		f.Add(s)
	}
	a := newFzAmazon(f)
	ok := map[string][]byte{
		"replenish":    []byte(`{"eventInstanceId":"amzn1.dash.v2.o.fz","detailCode":"TEST_ORDER_PLACED"}`),
		"testOrders":   []byte(`{"slotOrderStatuses":[]}`),
		"slotStatus":   nil,
		"getOrderInfo": []byte(`{"orderInfoData":{"instanceId":"amzn1.dash.v2.o.fz","orderItems":[]}}`),
		"deviceModels": nil,
	}
	drsH := func(w http.ResponseWriter, r *http.Request) {
		first, _, _ := strings.Cut(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
		w.Write(ok[first])
	}
	status := drs.SlotStatus{ExpectedReplenishmentDate: time.Now(), LastUseDate: time.Now(), RemainingQuantityInUnit: 1, OriginalQuantityInUnit: 2}
	f.Fuzz(func(t *testing.T, id string) {
		calls := []struct {
			op      string
			prefix  string // path before the ID
			suffix  string
			call    func(*drs.Client) error
			segment int // how many times the ID appears
		}{
			{"Replenish", "/replenish/", "", func(c *drs.Client) error { _, err := c.Replenish(t.Context(), id); return err }, 1},
			{"CancelTestOrder", "/testOrders/slots/", "", func(c *drs.Client) error { _, err := c.CancelTestOrder(t.Context(), id); return err }, 1},
			{"ReportSlotStatus", "/slotStatus/", "", func(c *drs.Client) error { return c.ReportSlotStatus(t.Context(), id, status) }, 1},
			{"OrderInfo", "/getOrderInfo/", "", func(c *drs.Client) error { _, err := c.OrderInfo(t.Context(), id); return err }, 1},
			{"DeregisterDevice", "/deviceModels/", "/registration", func(c *drs.Client) error { return c.DeregisterDevice(t.Context(), id, id) }, 2},
		}
		for _, k := range calls {
			a.reset(drsH, nil)
			c, _ := a.client(t)
			err := k.call(c)
			a.mu.Lock()
			uris, paths := a.drsURIs, a.drsPaths
			a.mu.Unlock()
			if err != nil {
				e := fzCheckError(t, err, []byte(id))
				if e.Code != drs.CodeGeneral || len(uris) != 0 {
					t.Fatalf("%s(%q) refused with code %d after %d requests, want 1010 and none: %v", k.op, id, e.Code, len(uris), err)
				}
				continue
			}
			if len(uris) != 1 {
				t.Fatalf("%s(%q) sent %d requests", k.op, id, len(uris))
			}
			rest, okPrefix := strings.CutPrefix(uris[0], k.prefix)
			rest, okSuffix := strings.CutSuffix(rest, k.suffix)
			if !okPrefix || !okSuffix {
				t.Fatalf("%s(%q) reached %q", k.op, id, uris[0])
			}
			segs := []string{rest}
			wantPath := k.prefix + id + k.suffix
			if k.segment == 2 {
				var mid bool
				var s1, s2 string
				s1, s2, mid = strings.Cut(rest, "/devices/")
				if !mid {
					t.Fatalf("%s(%q) reached %q", k.op, id, uris[0])
				}
				segs = []string{s1, s2}
				wantPath = k.prefix + id + "/devices/" + id + k.suffix
			}
			for _, seg := range segs {
				if strings.ContainsAny(seg, "/?#") {
					t.Fatalf("%s(%q) reached %q: the ID is not one path segment", k.op, id, uris[0])
				}
				if got, err := url.PathUnescape(seg); err != nil || got != id {
					t.Fatalf("%s(%q) reached %q: segment %q unescapes to %q (%v)", k.op, id, uris[0], seg, got, err)
				}
			}
			if paths[0] != wantPath {
				t.Fatalf("%s(%q): the server decoded path %q, want %q", k.op, id, paths[0], wantPath)
			}
		}
	})
}
