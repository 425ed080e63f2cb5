package drssim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/amazondrs/drs/drssim"

	"github.com/amazondrs/drs/drssim/drssimtest"
)

// typePrefix begins every DRS type name.
const typePrefix = "com.amazon.dash.replenishment."

// callbackURL is an allowed return URL of the default profile.
const callbackURL = "http://127.0.0.1:8182/callback"

// versionHeaders are the request headers of each DRS operation: input type
// and accepted result type.
var versionHeaders = map[string][2]string{
	"replenish":      {"DrsReplenishInput@1.0", "DrsReplenishResult@1.0"},
	"slotStatus":     {"DrsSlotStatusInput@1.0", "DrsSlotStatusResult@1.0"},
	"deviceStatus":   {"DrsDeviceStatusInput@1.0", "DrsDeviceStatusResult@1.0"},
	"subscription":   {"DrsSubscriptionInfoInput@1.0", "DrsSubscriptionInfoResult@1.0"},
	"subscription2":  {"DrsSubscriptionInfoInput@1.0", "DrsSubscriptionInfoResult@2.0"},
	"deregister":     {"DrsDeregisterInput@2.0", "DrsDeregisterResult@1.0"},
	"deregisterV1":   {"DrsDeregisterInput@1.0", "DrsDeregisterResult@1.0"},
	"cancel":         {"DrsCancelTestOrdersInput@1.0", "DrsCancelTestOrdersResult@1.0"},
	"orderInfo":      {"DrsOrderInfoInput@1.0", "DrsOrderInfoResult@1.0"},
	"noneRequired":   {"", ""},
	"wrongForOthers": {"DrsReplenishInput@9.9", "DrsReplenishResult@9.9"},
}

// env is a started emulator and an HTTP client that does not follow
// redirects.
type env struct {
	t  *testing.T
	s  *drssim.Server
	hc *http.Client
}

// newEnv starts an emulator on loopback for the test.
func newEnv(t *testing.T, cfg drssim.Config, opts ...drssim.Option) *env {
	t.Helper()
	s, _ := drssimtest.Start(t, drssimtest.WithConfig(cfg), drssimtest.WithServerOptions(opts...))
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{
		Transport:     tr,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &env{t: t, s: s, hc: hc}
}

// result is a response with its body read.
type result struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic map.
func (r result) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

// do sends a request and reads the whole response.
func (e *env) do(req *http.Request) result {
	e.t.Helper()
	resp, err := e.hc.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return result{resp.StatusCode, resp.Header, body}
}

// request builds a request to the emulator; path may contain escapes.
func (e *env) request(method, path string, body io.Reader) *http.Request {
	e.t.Helper()
	req, err := http.NewRequest(method, e.s.URL()+path, body)
	if err != nil {
		e.t.Fatalf("NewRequest: %v", err)
	}
	return req
}

// drs sends a DRS call with a bearer token (none if empty) and the version
// headers of op (see versionHeaders).
func (e *env) drs(method, path, token, op, body string) result {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := e.request(method, path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	v, ok := versionHeaders[op]
	if !ok {
		e.t.Fatalf("unknown op %q", op)
	}
	if v[0] != "" {
		req.Header.Set("x-amzn-type-version", typePrefix+v[0])
		req.Header.Set("x-amzn-accept-type", typePrefix+v[1])
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.do(req)
}

// post sends a form to path.
func (e *env) postForm(path string, form url.Values) result {
	e.t.Helper()
	req := e.request(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(req)
}

// postJSON sends a JSON body to path.
func (e *env) postJSON(path, body string) result {
	e.t.Helper()
	req := e.request(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return e.do(req)
}

// get sends a GET to path.
func (e *env) get(path string) result {
	e.t.Helper()
	return e.do(e.request(http.MethodGet, path, nil))
}

// link links a device through the Go control plane.
func (e *env) link(req drssim.LinkRequest) drssim.Link {
	e.t.Helper()
	l, err := e.s.LinkDevice(req)
	if err != nil {
		e.t.Fatalf("LinkDevice(%+v): %v", req, err)
	}
	return l
}

// replenish calls Replenish and returns status and decoded body.
func (e *env) replenish(token, slot string) (int, map[string]any) {
	e.t.Helper()
	r := e.drs(http.MethodPost, "/replenish/"+url.PathEscape(slot), token, "replenish", "")
	if r.status != http.StatusOK {
		return r.status, nil
	}
	return r.status, r.json(e.t)
}

// wantStatus fails the test unless r has the status.
func wantStatus(t *testing.T, r result, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
}

// wantMessage checks a DRS error: status, {"message"} containing substr and
// the X-Amzn-Errortype prefix.
func wantMessage(t *testing.T, r result, status int, substr, errType string) {
	t.Helper()
	wantStatus(t, r, status)
	msg, _ := r.json(t)["message"].(string)
	if !strings.Contains(msg, substr) {
		t.Errorf("message = %q, want it to contain %q", msg, substr)
	}
	if got := r.header.Get("X-Amzn-Errortype"); !strings.HasPrefix(got, errType) {
		t.Errorf("X-Amzn-Errortype = %q, want prefix %q", got, errType)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	checkStamp(t, r)
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// checkStamp checks the headers every response carries.
func checkStamp(t *testing.T, r result) {
	t.Helper()
	if id := r.header.Get("X-Amzn-Requestid"); !uuidV4.MatchString(id) {
		t.Errorf("X-Amzn-Requestid = %q, want a UUID v4", id)
	}
	d := r.header.Get("X-Amz-Date")
	if _, err := time.Parse(http.TimeFormat, d); err != nil || !strings.HasSuffix(d, " GMT") {
		t.Errorf("X-Amz-Date = %q, want an RFC 1123 GMT date", d)
	}
}
