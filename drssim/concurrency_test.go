package drssim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/amazondrs/drs/drssim"
)

// call is a goroutine-safe DRS call: errors are returned, not fatal.
func call(hc *http.Client, base, method, path, token, op string) (int, string, error) {
	req, err := http.NewRequest(method, base+path, nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	v := versionHeaders[op]
	req.Header.Set("x-amzn-type-version", typePrefix+v[0])
	req.Header.Set("x-amzn-accept-type", typePrefix+v[1])
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// detail returns the detailCode of a replenish body.
func detail(body string) string {
	var m struct{ DetailCode string }
	_ = json.Unmarshal([]byte(body), &m)
	return m.DetailCode
}

// TestConcurrentDevices has many devices place and cancel orders at once,
// then checks the order book holds exactly the expected orders.
func TestConcurrentDevices(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	const devices = 50
	tokens := make([]string, devices)
	for i := range devices {
		tokens[i] = e.link(drssim.LinkRequest{Serial: fmt.Sprintf("SN-%02d", i), TestDevice: i%5 != 0}).AccessToken
	}
	// Each test device: place A, in progress A, cancel A, place A, place B,
	// cancel all: 3 orders, all cancelled. Each real device: place A, in
	// progress A, cancel A (stays in progress), place B: 2 open orders.
	type step struct {
		method, path, op, want string
	}
	testSteps := []step{
		{"POST", "/replenish/coffee-beans", "replenish", "TEST_ORDER_PLACED"},
		{"POST", "/replenish/coffee-beans", "replenish", "ORDER_INPROGRESS"},
		{"DELETE", "/testOrders/slots/coffee-beans", "cancel", `"NO_ORDER_IN_PROGRESS"`},
		{"POST", "/replenish/coffee-beans", "replenish", "TEST_ORDER_PLACED"},
		{"POST", "/replenish/water-filter", "replenish", "TEST_ORDER_PLACED"},
		{"DELETE", "/testOrders", "cancel", `"NO_ORDER_IN_PROGRESS","slotId":"water-filter"`},
	}
	realSteps := []step{
		{"POST", "/replenish/coffee-beans", "replenish", "STANDARD_ORDER_PLACED"},
		{"POST", "/replenish/coffee-beans", "replenish", "ORDER_INPROGRESS"},
		{"DELETE", "/testOrders/slots/coffee-beans", "cancel", `"ORDER_INPROGRESS"`},
		{"POST", "/replenish/water-filter", "replenish", "STANDARD_ORDER_PLACED"},
	}
	var wg sync.WaitGroup
	for i := range devices {
		wg.Go(func() {
			steps := testSteps
			if i%5 == 0 {
				steps = realSteps
			}
			for _, s := range steps {
				status, body, err := call(e.hc, e.s.URL(), s.method, s.path, tokens[i], s.op)
				ok := err == nil && status == 200 && (detail(body) == s.want || s.op == "cancel" && strings.Contains(body, s.want))
				if !ok {
					t.Errorf("device %d: %s %s = %d %s %v, want %s", i, s.method, s.path, status, body, err, s.want)
					return
				}
			}
		})
	}
	wg.Wait()

	orders := e.s.Orders()
	perDevice := map[string][]drssim.Order{}
	ids := map[string]bool{}
	for _, o := range orders {
		perDevice[o.Serial] = append(perDevice[o.Serial], o)
		if ids[o.ID] {
			t.Errorf("duplicate order id %s", o.ID)
		}
		ids[o.ID] = true
	}
	if want := 40*3 + 10*2; len(orders) != want {
		t.Errorf("%d orders, want %d", len(orders), want)
	}
	for i := range devices {
		got := perDevice[fmt.Sprintf("SN-%02d", i)]
		var want []string
		if i%5 == 0 {
			want = []string{"coffee-beans STANDARD Processing", "water-filter STANDARD Processing"}
		} else {
			want = []string{"coffee-beans TEST Canceled", "coffee-beans TEST Canceled", "water-filter TEST Canceled"}
		}
		var have []string
		for _, o := range got {
			kind := "STANDARD"
			if o.Test {
				kind = "TEST"
			}
			have = append(have, o.SlotID+" "+kind+" "+o.Status)
		}
		if strings.Join(have, ", ") != strings.Join(want, ", ") {
			t.Errorf("device %d orders = %v, want %v", i, have, want)
		}
	}
	if n := e.s.Requests(drssim.EndpointReplenish); n != 40*4+10*3 {
		t.Errorf("Requests(replenish) = %d, want %d", n, 40*4+10*3)
	}
}

// TestConcurrentSameSlot has one device replenish one slot from many
// goroutines at once: exactly one order is placed and every other call is
// told about that order.
func TestConcurrentSameSlot(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	tok := e.link(drssim.LinkRequest{Serial: "SN-race", TestDevice: true}).AccessToken
	const callers = 40
	type reply struct{ detail, id string }
	replies := make([]reply, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			status, body, err := call(e.hc, e.s.URL(), "POST", "/replenish/coffee-beans", tok, "replenish")
			if err != nil || status != 200 {
				t.Errorf("caller %d: %d %s %v", i, status, body, err)
				return
			}
			var m struct{ DetailCode, EventInstanceID string }
			if err := json.Unmarshal([]byte(body), &m); err != nil {
				t.Errorf("caller %d: %s: %v", i, body, err)
			}
			replies[i] = reply{m.DetailCode, m.EventInstanceID}
		})
	}
	wg.Wait()
	orders := e.s.Orders()
	if len(orders) != 1 {
		t.Fatalf("%d orders, want 1: %+v", len(orders), orders)
	}
	placed := 0
	for i, r := range replies {
		switch {
		case r.id != orders[0].ID:
			t.Errorf("caller %d got eventInstanceId %q, want the one order's %q", i, r.id, orders[0].ID)
		case r.detail == "TEST_ORDER_PLACED":
			placed++
		case r.detail != "ORDER_INPROGRESS":
			t.Errorf("caller %d got detailCode %q", i, r.detail)
		}
	}
	if placed != 1 {
		t.Errorf("%d callers were told TEST_ORDER_PLACED, want 1", placed)
	}
}

// TestConcurrentCodeExchange redeems one authorization code from many
// goroutines at once: exactly one gets tokens, the others invalid_grant.
func TestConcurrentCodeExchange(t *testing.T) {
	t.Parallel()
	e := newEnv(t, drssim.Config{})
	code := e.login(authParams("SN-code-race", true), nil)
	const callers = 20
	statuses := make([]int, callers)
	bodies := make([]string, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			resp, err := e.hc.PostForm(e.s.URL()+"/auth/o2/token", codeForm(code))
			if err != nil {
				t.Errorf("caller %d: %v", i, err)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			statuses[i], bodies[i] = resp.StatusCode, string(b)
		})
	}
	wg.Wait()
	ok := 0
	for i := range callers {
		switch {
		case statuses[i] == 200:
			ok++
		case statuses[i] != 400 || !strings.Contains(bodies[i], `"error":"invalid_grant"`):
			t.Errorf("caller %d: %d %s, want 200 or 400 invalid_grant", i, statuses[i], bodies[i])
		}
	}
	if ok != 1 {
		t.Errorf("%d exchanges of one code succeeded, want 1", ok)
	}
}

// TestRequestLog checks each request is logged at Info without secrets.
func TestRequestLog(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{&mu, &buf}, nil))
	e := newEnv(t, drssim.Config{}, drssim.WithLogger(logger))
	code := e.login(authParams("SN-log", true), nil)
	tb := tokenOK(t, e.postForm("/auth/o2/token", codeForm(code)))
	tokenOK(t, e.postForm("/auth/o2/token", refreshForm(tb.RefreshToken)))
	e.replenish(tb.AccessToken, "coffee-beans")

	mu.Lock()
	out := buf.String()
	mu.Unlock()
	for _, secret := range []string{code, tb.AccessToken, tb.RefreshToken, drssim.DefaultClientSecret, "scope_data", "st-123", "redirect_uri"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains a secret or query string %q:\n%s", secret, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d log lines, want 5:\n%s", len(lines), out)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[4]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["level"] != "INFO" || rec["method"] != "POST" || rec["path"] != "/replenish/coffee-beans" || rec["status"] != 200.0 ||
		rec["endpoint"] != "replenish" || rec["duration"] == nil {
		t.Errorf("log record = %v", rec)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
