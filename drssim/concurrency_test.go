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
			want = []string{"coffee-beans TEST Cancelled", "coffee-beans TEST Cancelled", "water-filter TEST Cancelled"}
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
