package drs_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/amazondrs/drs"
)

const pfx = "com.amazon.dash.replenishment."

// wireDay is the date the wire cases report.
var wireDay = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// wireCase is one DRS call as it goes over the wire: the call, the method,
// path and headers it must send, the body, the answer the fake gives and
// the result that answer must decode to.
type wireCase struct {
	name            string
	call            func(context.Context, *drs.Client) (any, error)
	method, path    string
	typeVer, accept string
	reply           string
	wantBody        string
	want            any
}

// testWire checks, for each case, the method, path, every header, the body
// sent and the decoding of the answer. The cases of each operation are
// beside its code (replenish_test.go, status_test.go, ...).
func testWire(t *testing.T, tests []wireCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			var got *http.Request
			var gotBody []byte
			f.handle("/", func(w http.ResponseWriter, r *http.Request) {
				got = r
				gotBody, _ = io.ReadAll(r.Body)
				w.Header().Set("X-Amzn-Type-Version", tt.accept)
				w.Header().Set("X-Amzn-Requestid", "req-42")
				if tt.reply != "" {
					w.Header().Set("Content-Type", "application/json")
					io.WriteString(w, tt.reply)
				}
			})
			c := f.client()
			res, err := tt.call(t.Context(), c)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil {
				t.Fatal("no request reached the server")
			}
			if got.Method != tt.method || got.URL.EscapedPath() != tt.path {
				t.Errorf("request = %s %s, want %s %s", got.Method, got.URL.EscapedPath(), tt.method, tt.path)
			}
			wantHdr := map[string]string{
				"Authorization":       "Bearer Atza|access-1",
				"X-Amzn-Type-Version": tt.typeVer,
				"X-Amzn-Accept-Type":  tt.accept,
				"Accept":              "application/json",
			}
			if tt.wantBody != "" {
				wantHdr["Content-Type"] = "application/json"
			}
			for k, v := range wantHdr {
				if g := got.Header.Get(k); g != v {
					t.Errorf("header %s = %q, want %q", k, g, v)
				}
			}
			if tt.wantBody == "" && len(gotBody) != 0 {
				t.Errorf("body = %q, want none", gotBody)
			}
			if tt.wantBody != "" && !jsonEqual(t, gotBody, tt.wantBody) {
				t.Errorf("body = %s, want %s", gotBody, tt.wantBody)
			}
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, res, ignoreResponse); diff != "" {
					t.Errorf("result mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// result returns a call's result as testWire wants it.
func result[T any](r *T, err error) (any, error) { return r, err }

// ignoreResponse leaves the raw *drs.Response out of result comparisons.
var ignoreResponse = cmp.FilterPath(func(p cmp.Path) bool {
	return p.Last().Type() == reflect.TypeFor[*drs.Response]()
}, cmp.Ignore())

// strip checks that Replenish kept the raw response and drops it.
func strip(r *drs.ReplenishResult, err error) (any, error) {
	if r != nil {
		if r.Response == nil || r.Response.RequestID != "req-42" || len(r.Response.Body) == 0 {
			return nil, &drs.Error{Code: -1, Message: "raw response not kept"}
		}
		r.Response = nil
	}
	return r, err
}

func jsonEqual(t *testing.T, a []byte, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("body %q is not JSON: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatal(err)
	}
	return cmp.Equal(x, y)
}
