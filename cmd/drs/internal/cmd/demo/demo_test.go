package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/amazondrs/drs/drssim"
)

func newFactory(jsonOut bool) (*cmdutil.Factory, *bytes.Buffer) {
	var out bytes.Buffer
	f := &cmdutil.Factory{IO: cmdutil.IOStreams{Out: &out, ErrOut: &out}}
	f.Global.JSON = jsonOut
	return f, &out
}

func TestDemoStopsAtAMismatch(t *testing.T) {
	t.Parallel()
	f, out := newFactory(false)
	// The first two replenishes are answered as if each placed a new test
	// order: the second should have said ORDER_INPROGRESS.
	err := Run(t.Context(), &Options{Factory: f, prepare: func(s *drssim.Server) error {
		return s.InjectFault(drssim.Fault{Endpoint: drssim.EndpointReplenish, Count: 2, Status: 200,
			Body:    `{"detailCode":"TEST_ORDER_PLACED","eventInstanceId":"amzn1.dash.v2.o.fake"}`,
			Headers: map[string]string{"x-amzn-type-version": "com.amazon.dash.replenishment.DrsReplenishResult@1.0"}})
	}})
	if err == nil {
		t.Fatalf("the demo passed with a wrong answer:\n%s", out)
	}
	for _, want := range []string{
		" 6. ✗ Replenish slot ",
		"expected: detailCode ORDER_INPROGRESS",
		"got:      TEST_ORDER_PLACED",
		"✗ Step 6 of 13 failed; the demo stopped there.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out.String(), " 7. ") {
		t.Errorf("the demo went on after a failed step:\n%s", out)
	}
	if !strings.Contains(err.Error(), "demo step 6") {
		t.Errorf("error = %v", err)
	}
}

func TestDemoChecksTheOpenOrder(t *testing.T) {
	t.Parallel()
	f, out := newFactory(false)
	// The first replenish is served as usual (a harmless header fault); the
	// second says ORDER_INPROGRESS but names another order.
	err := Run(t.Context(), &Options{Factory: f, prepare: func(s *drssim.Server) error {
		if err := s.InjectFault(drssim.Fault{Endpoint: drssim.EndpointReplenish, Headers: map[string]string{"X-Test": "1"}}); err != nil {
			return err
		}
		return s.InjectFault(drssim.Fault{Endpoint: drssim.EndpointReplenish, Status: 200,
			Body:    `{"detailCode":"ORDER_INPROGRESS","eventInstanceId":"amzn1.dash.v2.o.other"}`,
			Headers: map[string]string{"x-amzn-type-version": "com.amazon.dash.replenishment.DrsReplenishResult@1.0"}})
	}})
	if err == nil {
		t.Fatalf("the demo passed with the wrong open order:\n%s", out)
	}
	for _, want := range []string{" 6. ✗ Replenish slot ", "expected: eventInstanceId of the open order amzn1.dash.v2.o.", "got:      amzn1.dash.v2.o.other"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestDemoReportsAPIErrors(t *testing.T) {
	t.Parallel()
	f, out := newFactory(true)
	err := Run(t.Context(), &Options{Factory: f, prepare: func(s *drssim.Server) error {
		return s.InjectFault(drssim.Fault{Endpoint: drssim.EndpointSubscriptionInfo, Status: 403, Count: 10})
	}})
	if err == nil || drs.Code(err) != 403 {
		t.Fatalf("err = %v (code %d), want code 403", err, drs.Code(err))
	}
	var sum Summary
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	last := sum.Steps[len(sum.Steps)-1]
	if sum.OK || sum.Passed != 10 || last.N != 11 || last.OK || last.Code != 403 || last.Expected != "success" || !strings.Contains(last.Got, "(code 403)") {
		t.Errorf("summary = %+v, last step = %+v", sum, last)
	}
}

func TestDemoTimeout(t *testing.T) {
	t.Parallel()
	f, out := newFactory(false)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := Run(ctx, &Options{Factory: f}); err == nil {
		t.Fatalf("a cancelled demo passed:\n%s", out)
	}
}
