package drs_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/amazondrs/drs"
)

// TestReplenishWire checks Replenish on the wire (see testWire).
func TestReplenishWire(t *testing.T) {
	testWire(t, []wireCase{
		{
			name: "Replenish",
			call: func(ctx context.Context, c *drs.Client) (any, error) {
				r, err := c.Replenish(ctx, "slot-1")
				return strip(r, err)
			},
			method: "POST", path: "/replenish/slot-1",
			typeVer: pfx + "DrsReplenishInput@1.0", accept: pfx + "DrsReplenishResult@1.0",
			reply: `{"eventInstanceId":"amzn1.dash.v2.o.abc","detailCode":"STANDARD_ORDER_PLACED","newField":1}`,
			want:  &drs.ReplenishResult{EventInstanceID: "amzn1.dash.v2.o.abc", DetailCode: drs.StandardOrderPlaced},
		},
	})
}

// TestPathEscaping checks that awkward slot IDs reach the server as one
// escaped path segment, and that impossible ones are refused before sending.
func TestPathEscaping(t *testing.T) {
	f := newFake(t)
	var seen []string
	f.handle("/", func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.URL.EscapedPath())
		jsonReply(200, `{"eventInstanceId":"e","detailCode":"ORDER_INPROGRESS"}`)(w, r)
	})
	c := f.client()
	cases := map[string]string{
		"a/b":       "/replenish/a%2Fb",
		"..":        "/replenish/%2E%2E",
		".":         "/replenish/%2E",
		"what?x=1":  "/replenish/what%3Fx=1",
		"frag#1":    "/replenish/frag%231",
		"100%":      "/replenish/100%25",
		"two words": "/replenish/two%20words",
	}
	for id, want := range cases {
		seen = nil
		if _, err := c.Replenish(t.Context(), id); err != nil {
			t.Fatalf("Replenish(%q): %v", id, err)
		}
		if len(seen) != 1 || seen[0] != want {
			t.Errorf("Replenish(%q) reached the server as %q, want %q", id, seen, want)
		}
	}
	for _, bad := range []string{"", string(make([]byte, 256))} {
		_, err := c.Replenish(t.Context(), bad)
		e := wantCode(t, err, drs.CodeGeneral)
		if e.Message == "" {
			t.Errorf("no message for bad slot ID")
		}
	}
}
