package fleet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amazondrs/drs/fleet"
	"github.com/amazondrs/drs/fleet/api"
	"github.com/amazondrs/drs/fleet/db"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestProvisionAndGet(t *testing.T) {
	t.Parallel()
	s := start(t, "")
	dev := s.provision("S1")
	if !strings.HasPrefix(dev.ID, "dev_") || !strings.HasPrefix(dev.DeviceToken, "dt."+dev.ID+".") {
		t.Errorf("provisioned %+v: want a dev_ id and a dt. token naming it", dev)
	}
	if !strings.HasPrefix(dev.LinkURL, s.public+"/link/") {
		t.Errorf("link URL %q, want one under %s/link/", dev.LinkURL, s.public)
	}
	// GET shows the same device, without the token: it is shown once.
	code, b := do(t, "GET", s.admin+"/admin/v1/devices/"+dev.ID, adminToken, "")
	got := decode[api.AdminDevice](t, b)
	want := dev
	want.DeviceToken = ""
	if code != http.StatusOK || !cmp.Equal(got, want) {
		t.Errorf("GET the device: %d, diff (-want +got):\n%s", code, cmp.Diff(want, got))
	}
	code, b = do(t, "GET", s.public+"/v1/device", dev.DeviceToken, "")
	wantView := api.DeviceView{ID: dev.ID, Model: "CoffeeMaker01", Serial: "S1", TestDevice: true,
		Slots: map[string]api.SlotView{}, Orders: []api.OrderView{}}
	if diff := cmp.Diff(wantView, decode[api.DeviceView](t, b)); code != http.StatusOK || diff != "" {
		t.Errorf("GET /v1/device: %d, diff (-want +got):\n%s", code, diff)
	}
	if !bytes.Contains(b, []byte(`"slots":{}`)) || !bytes.Contains(b, []byte(`"orders":[]`)) {
		t.Errorf("GET /v1/device = %s: want empty slots and orders, not null", b)
	}
	code, b = do(t, "POST", s.admin+"/admin/v1/devices", adminToken, `{"model":"CoffeeMaker01","serial":"S1"}`)
	wantError(t, "provisioning twice", code, b, http.StatusConflict, api.CodeDeviceExists, "model and serial")
	// The database holds the token's hash, never the token.
	s.stop()
	for _, f := range []string{s.path, s.path + "-wal"} {
		raw, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(strings.Split(dev.DeviceToken, ".")[2])) {
			t.Errorf("%s holds the device token", f)
		}
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	s := start(t, "")
	dev := s.provision("S1")
	other := s.provision("S2")
	forged := "dt." + other.ID + "." + strings.Split(dev.DeviceToken, ".")[2] // dev's secret under other's id
	for _, tt := range []struct {
		name, url, token string
		header           []string
	}{
		{"device, no token", s.public + "/v1/device", "", nil},
		{"device, garbage", s.public + "/v1/device", "garbage", nil},
		{"device, admin token", s.public + "/v1/device", adminToken, nil},
		{"device, another id with this secret", s.public + "/v1/device", forged, nil},
		{"device, truncated", s.public + "/v1/device", dev.DeviceToken[:len(dev.DeviceToken)-1], nil},
		{"device, Basic scheme", s.public + "/v1/device", "", []string{"Authorization", "Basic " + dev.DeviceToken}},
		{"admin, no token", s.admin + "/admin/v1/devices", "", nil},
		{"admin, device token", s.admin + "/admin/v1/devices", dev.DeviceToken, nil},
		{"admin, prefix of the token", s.admin + "/admin/v1/devices", adminToken[:10], nil},
	} {
		code, b := do(t, "GET", tt.url, tt.token, "", tt.header...)
		wantError(t, tt.name, code, b, http.StatusUnauthorized, api.CodeUnauthorized, "Bearer")
	}
}

func TestIsolation(t *testing.T) {
	t.Parallel()
	s := start(t, "")
	a, b := s.provision("A"), s.provision("B")
	for _, d := range []api.AdminDevice{a, b} {
		code, body := do(t, "GET", s.public+"/v1/device", d.DeviceToken, "")
		if v := decode[api.DeviceView](t, body); code != http.StatusOK || v.ID != d.ID || v.Serial != d.Serial {
			t.Errorf("device %s reads %d %s", d.Serial, code, body)
		}
	}
	// Rotating A's token leaves B's alone.
	if code, body := do(t, "POST", s.admin+"/admin/v1/devices/"+a.ID+"/device-token", adminToken, ""); code != http.StatusOK {
		t.Fatalf("rotate: %d %s", code, body)
	}
	if code, _ := do(t, "GET", s.public+"/v1/device", b.DeviceToken, ""); code != http.StatusOK {
		t.Errorf("B after rotating A's token: %d", code)
	}
	const missing = "/admin/v1/devices/dev_nosuchdevice00000000"
	for _, tt := range []struct{ method, path string }{
		{"GET", missing}, {"DELETE", missing}, {"POST", missing + "/device-token"}, {"POST", missing + "/link-url"},
	} {
		code, body := do(t, tt.method, s.admin+tt.path, adminToken, "")
		wantError(t, tt.method+" "+tt.path, code, body, http.StatusNotFound, api.CodeNotFound, "no such device")
	}
	code, body := do(t, "GET", s.public+"/v1/devices/"+b.ID, a.DeviceToken, "")
	wantError(t, "a device path that is not the device API's", code, body, http.StatusNotFound, api.CodeNotFound, "no such endpoint")
}

func TestPagination(t *testing.T) {
	t.Parallel()
	s := start(t, "")
	want := map[string]bool{}
	for _, serial := range []string{"P1", "P2", "P3", "P4", "P5", "P6", "P7"} {
		want[s.provision(serial).ID] = true
	}
	got := map[string]bool{}
	var sizes []int
	cursor := ""
	for page := 0; page < 10; page++ {
		code, b := do(t, "GET", s.admin+"/admin/v1/devices?limit=3&cursor="+cursor, adminToken, "")
		if code != http.StatusOK {
			t.Fatalf("page %d: %d %s", page, code, b)
		}
		l := decode[api.DeviceList](t, b)
		sizes = append(sizes, len(l.Devices))
		for _, d := range l.Devices {
			if got[d.ID] {
				t.Errorf("device %s on two pages", d.ID)
			}
			got[d.ID] = true
			if d.DeviceToken != "" {
				t.Errorf("the list shows device %s's token", d.ID)
			}
		}
		if cursor = l.NextCursor; cursor == "" {
			break
		}
	}
	if diff := cmp.Diff([]int{3, 3, 1}, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("devices listed (-want +got):\n%s", diff)
	}
	for _, q := range []string{"limit=0", "limit=501", "limit=x", "cursor=" + strings.Repeat("a", 65)} {
		code, b := do(t, "GET", s.admin+"/admin/v1/devices?"+q, adminToken, "")
		wantError(t, q, code, b, http.StatusBadRequest, api.CodeInvalidField, "")
	}
}

func TestRotateAndLinkURL(t *testing.T) {
	t.Parallel()
	s := start(t, "")
	dev := s.provision("S1")
	code, b := do(t, "POST", s.admin+"/admin/v1/devices/"+dev.ID+"/device-token", adminToken, "")
	rotated := decode[api.AdminDevice](t, b)
	if code != http.StatusOK || rotated.DeviceToken == "" || rotated.DeviceToken == dev.DeviceToken {
		t.Fatalf("rotate: %d %s", code, b)
	}
	if code, _ := do(t, "GET", s.public+"/v1/device", dev.DeviceToken, ""); code != http.StatusUnauthorized {
		t.Errorf("the old token after rotation: %d, want 401", code)
	}
	if code, _ := do(t, "GET", s.public+"/v1/device", rotated.DeviceToken, ""); code != http.StatusOK {
		t.Errorf("the new token: %d, want 200", code)
	}
	code, b = do(t, "POST", s.admin+"/admin/v1/devices/"+dev.ID+"/link-url", adminToken, "")
	relinked := decode[api.AdminDevice](t, b)
	if code != http.StatusOK || relinked.LinkURL == "" || relinked.LinkURL == dev.LinkURL || relinked.DeviceToken != "" {
		t.Errorf("new link URL: %d %s (old %s)", code, b, dev.LinkURL)
	}
}

func TestDeleteRunsTheJob(t *testing.T) {
	t.Parallel()
	s := start(t, "")
	completed, stop := s.srv.Jobs().Completed()
	defer stop()
	dev := s.provision("S1")
	if code, b := do(t, "DELETE", s.admin+"/admin/v1/devices/"+dev.ID, adminToken, ""); code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", code, b)
	}
	if code, _ := do(t, "GET", s.admin+"/admin/v1/devices/"+dev.ID, adminToken, ""); code != http.StatusNotFound {
		t.Errorf("GET a deleted device: %d, want 404", code)
	}
	if code, _ := do(t, "GET", s.public+"/v1/device", dev.DeviceToken, ""); code != http.StatusUnauthorized {
		t.Errorf("a deleted device's token: %d, want 401", code)
	}
	if code, _ := do(t, "DELETE", s.admin+"/admin/v1/devices/"+dev.ID, adminToken, ""); code != http.StatusNotFound {
		t.Errorf("deleting twice: %d, want 404", code)
	}
	select {
	case kind := <-completed:
		if kind != "device_delete" {
			t.Errorf("completed job %q, want device_delete", kind)
		}
	case <-t.Context().Done():
		t.Fatal("the delete job never completed")
	}
	s.stop()
	d, err := db.Open(t.Context(), db.Spec{Driver: "sqlite", Path: s.path})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if st, err := db.DeviceState(t.Context(), d.SQL, dev.ID); err != nil || st != db.StateDeleted {
		t.Errorf("after the job, state %q, %v; want %q (the row is kept as history)", st, err, db.StateDeleted)
	}
	// A new device may take the deleted one's model and serial.
	_ = d.Close()
	s2 := start(t, s.path)
	s2.provision("S1")
}

func TestRestartLosesNothing(t *testing.T) {
	t.Parallel()
	s := start(t, "")
	a := s.provision("A")
	s = s.restart()
	code, b := do(t, "GET", s.public+"/v1/device", a.DeviceToken, "")
	if code != http.StatusOK || decode[api.DeviceView](t, b).ID != a.ID {
		t.Fatalf("after a restart, the device reads %d %s", code, b)
	}
	_, b = do(t, "POST", s.admin+"/admin/v1/devices/"+a.ID+"/device-token", adminToken, "")
	rotated := decode[api.AdminDevice](t, b)
	bDev := s.provision("B")
	s = s.restart()
	for _, tt := range []struct {
		token string
		want  int
	}{{a.DeviceToken, http.StatusUnauthorized}, {rotated.DeviceToken, http.StatusOK}, {bDev.DeviceToken, http.StatusOK}} {
		if code, _ := do(t, "GET", s.public+"/v1/device", tt.token, ""); code != tt.want {
			t.Errorf("after the second restart: %d, want %d", code, tt.want)
		}
	}
	_, b = do(t, "GET", s.admin+"/admin/v1/devices", adminToken, "")
	ids := []string{}
	for _, d := range decode[api.DeviceList](t, b).Devices {
		ids = append(ids, d.ID)
	}
	if diff := cmp.Diff([]string{a.ID, bDev.ID}, ids, cmpopts.SortSlices(func(x, y string) bool { return x < y })); diff != "" {
		t.Errorf("devices after restarts (-want +got):\n%s", diff)
	}
}

func TestSecondServerRefused(t *testing.T) {
	t.Parallel()
	s := start(t, "")
	_, err := fleet.New(t.Context(), fleet.Config{DB: db.Spec{Driver: "sqlite", Path: s.path}, Listen: "127.0.0.1:0",
		AdminListen: "127.0.0.1:0", AdminToken: adminToken})
	if !errors.Is(err, db.ErrLocked) || !strings.Contains(err.Error(), "another drs serve") {
		t.Fatalf("a second server on the same file: %v, want db.ErrLocked", err)
	}
	if code, _ := do(t, "GET", s.public+"/readyz", "", ""); code != http.StatusOK {
		t.Errorf("the first server after the refusal: /readyz %d", code)
	}
}

// TestSecondServerViaSymlinkRefused: a second server given a symbolic
// link to the first one's file (whose lock file would be another) refuses.
func TestSecondServerViaSymlinkRefused(t *testing.T) {
	t.Parallel()
	s := start(t, "")
	link := filepath.Join(t.TempDir(), "link.db")
	if err := os.Symlink(s.path, link); err != nil {
		t.Fatal(err)
	}
	srv, err := fleet.New(t.Context(), fleet.Config{DB: db.Spec{Driver: "sqlite", Path: link}, Listen: "127.0.0.1:0",
		AdminListen: "127.0.0.1:0", AdminToken: adminToken})
	if err == nil {
		srv.Run(canceled())
		t.Fatal("a second server through a symbolic link to the first one's database started")
	}
	if !errors.Is(err, db.ErrSymlink) {
		t.Fatalf("a second server through a symbolic link: %v, want db.ErrSymlink", err)
	}
	if code, _ := do(t, "GET", s.public+"/readyz", "", ""); code != http.StatusOK {
		t.Errorf("the first server after the refusal: /readyz %d", code)
	}
}

// canceled returns a context that is already done.
func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func TestConfigRefusals(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "fleet.db")
	for _, tt := range []struct {
		name string
		cfg  fleet.Config
		want string
	}{
		{"no admin token", fleet.Config{}, "DRS_ADMIN_TOKEN"},
		{"half TLS", fleet.Config{AdminToken: adminToken, TLSCert: "c.pem"}, "--tls-key"},
		{"public listener without a public URL", fleet.Config{AdminToken: adminToken, Listen: "0.0.0.0:0", AdminListen: "127.0.0.1:0"}, "--public-url is required"},
		{"public URL with a query", fleet.Config{AdminToken: adminToken, Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", PublicURL: "https://x.example?a=b"}, "--public-url must be"},
	} {
		tt.cfg.DB = db.Spec{Driver: "sqlite", Path: path}
		if _, err := fleet.New(t.Context(), tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error with %q", tt.name, err, tt.want)
		}
	}
	// None of them kept the lock.
	start(t, path)
}

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	s := start(t, "")
	s.provision("S1")
	for _, p := range []string{"/livez", "/readyz"} {
		if code, b := do(t, "GET", s.public+p, "", ""); code != http.StatusOK {
			t.Errorf("%s: %d %s", p, code, b)
		}
	}
	code, b := do(t, "GET", s.public+"/metrics", "", "")
	wantError(t, "/metrics on the public listener", code, b, http.StatusNotFound, api.CodeNotFound, "")
	code, b = do(t, "GET", s.admin+"/metrics", "", "")
	for _, w := range []string{
		`drs_http_requests_total{code="201",listener="admin",route="POST /admin/v1/devices"} 1`,
		`drs_http_requests_total{code="200",listener="public",route="GET /readyz"} 1`,
		"drs_devices 1", "drs_http_request_duration_seconds_bucket", "go_goroutines",
	} {
		if code != http.StatusOK || !strings.Contains(string(b), w) {
			t.Errorf("/metrics (%d) lacks %q", code, w)
		}
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	s := start(t, "", fixedClock, burst(3))
	url := s.admin + "/admin/v1/devices"
	for _, tt := range []struct {
		name, body string
		header     []string
		status     int
		code, msg  string
	}{
		{"oversized", `{"model":"` + strings.Repeat("m", api.DefaultMaxBody) + `"}`, nil, http.StatusRequestEntityTooLarge, api.CodeBodyTooLarge, "bytes"},
		{"malformed", `{"model":`, nil, http.StatusBadRequest, api.CodeInvalidJSON, "ends early"},
		{"syntax", `{"model" "x"}`, nil, http.StatusBadRequest, api.CodeInvalidJSON, "byte"},
		{"wrong type", `{"model":"M","serial":"S","test_device":"yes"}`, nil, http.StatusBadRequest, api.CodeInvalidField, `"test_device"`},
		{"unknown field", `{"model":"M","serial":"S","color":"red"}`, nil, http.StatusBadRequest, api.CodeInvalidField, `"color"`},
		{"missing serial", `{"model":"M"}`, nil, http.StatusBadRequest, api.CodeInvalidField, `"serial" is required`},
		{"control character", `{"model":"M","serial":"S\n1"}`, nil, http.StatusBadRequest, api.CodeInvalidField, `"serial"`},
		{"invalid UTF-8", "{\"model\":\"M\",\"serial\":\"S\xff1\"}", nil, http.StatusBadRequest, api.CodeInvalidJSON, "not valid UTF-8"},
		{"lone surrogate", `{"model":"M","serial":"S\ud8001"}`, nil, http.StatusBadRequest, api.CodeInvalidField, `"serial" is not valid UTF-8`},
		{"two values", `{"model":"M","serial":"S"}{}`, nil, http.StatusBadRequest, api.CodeInvalidJSON, "more than one"},
		{"array", `[]`, nil, http.StatusBadRequest, api.CodeInvalidJSON, "want an object"},
		{"form", `model=M`, []string{"Content-Type", "application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType, api.CodeUnsupportedCT, "application/json"},
	} {
		code, b := do(t, "POST", url, adminToken, tt.body, tt.header...)
		wantError(t, tt.name, code, b, tt.status, tt.code, tt.msg)
	}
	for _, tt := range []struct{ method, url, allow string }{
		{"PUT", url, "GET, HEAD, POST"},
		{"POST", s.public + "/v1/device", "GET, HEAD"},
		{"PATCH", url + "/dev_x", "DELETE, GET, HEAD"},
	} {
		code, b := do(t, tt.method, tt.url, adminToken, "")
		wantError(t, tt.method+" "+tt.url, code, b, http.StatusMethodNotAllowed, "method_not_allowed", tt.allow[:3])
	}
	// A flood: the burst passes, the rest is 429 with Retry-After (the
	// clock is frozen, so the bucket never refills).
	dev := s.provision("S1")
	for i := 0; i < 3; i++ {
		if code, b := do(t, "GET", s.public+"/v1/device", dev.DeviceToken, ""); code != http.StatusOK {
			t.Fatalf("request %d within the burst: %d %s", i, code, b)
		}
	}
	code, b := do(t, "GET", s.public+"/v1/device", dev.DeviceToken, "")
	wantError(t, "flood", code, b, http.StatusTooManyRequests, api.CodeRateLimited, "Retry-After")
	other := s.provision("S2")
	if code, _ := do(t, "GET", s.public+"/v1/device", other.DeviceToken, ""); code != http.StatusOK {
		t.Errorf("another device during the flood: %d, want 200 (limits are per device)", code)
	}
	// Failed authentications are limited per address.
	var last int
	for i := 0; i < 5; i++ {
		last, b = do(t, "GET", s.public+"/v1/device", "dt.dev_aaaaaaaaaaaaaaaaaaaa."+strings.Repeat("x", 43), "")
	}
	wantError(t, "guessing tokens", last, b, http.StatusTooManyRequests, api.CodeRateLimited, "")
}

func TestLogsHoldNoSecret(t *testing.T) {
	t.Parallel()
	s := start(t, "")
	dev := s.provision("S1")
	_, b := do(t, "POST", s.admin+"/admin/v1/devices/"+dev.ID+"/device-token", adminToken, "")
	rotated := decode[api.AdminDevice](t, b)
	do(t, "GET", s.public+"/v1/device", rotated.DeviceToken, "")
	do(t, "GET", s.public+"/v1/device?token="+rotated.DeviceToken, "wrong", "")
	do(t, "GET", strings.Replace(dev.LinkURL, "/link/", "/link/", 1), "", "")
	do(t, "POST", s.admin+"/admin/v1/devices", adminToken, `{"model":"`+adminToken+`"`)
	do(t, "GET", s.public+"/v1/device", rotated.DeviceToken, "", "X-Request-Id", "trace-42")
	s.stop()
	logs := s.logs.String()
	linkID := dev.LinkURL[strings.LastIndex(dev.LinkURL, "/")+1:]
	for name, secret := range map[string]string{"admin token": adminToken, "device token": dev.DeviceToken,
		"rotated token": rotated.DeviceToken, "link ID": linkID} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds the %s", name)
		}
	}
	requests := 0
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("a log line is not JSON: %q", line)
		}
		if rec["msg"] == "request" {
			requests++
			if id, _ := rec["request_id"].(string); id == "" {
				t.Errorf("a request line without a request ID: %s", line)
			}
		}
	}
	if requests < 6 || !strings.Contains(logs, `"request_id":"trace-42"`) {
		t.Errorf("%d request lines, want at least 6 and the client's X-Request-Id:\n%s", requests, logs)
	}
}
