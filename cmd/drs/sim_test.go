package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/amazondrs/drs/cmd/drs/internal/cmd/replenish"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/sim"
	"github.com/amazondrs/drs/drssim"
)

// simRun is drs sim running in the background.
type simRun struct {
	out, errOut syncBuffer
	cancel      context.CancelFunc
	done        chan int
}

func (e *env) startSim(args ...string) *simRun {
	ctx, cancel := context.WithCancel(e.t.Context())
	s := &simRun{cancel: cancel, done: make(chan int, 1)}
	go func() {
		s.done <- e.runWith(ctx, nil, &s.out, &s.errOut, append([]string{"sim", "--addr", "127.0.0.1:0"}, args...)...)
	}()
	e.t.Cleanup(cancel)
	return s
}

func (s *simRun) stop(t *testing.T) result {
	t.Helper()
	s.cancel()
	select {
	case code := <-s.done:
		return result{code, s.out.String(), s.errOut.String()}
	case <-time.After(10 * time.Second):
		t.Fatal("drs sim did not stop")
	}
	return result{}
}

func TestSim(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.startSim()
	addr := waitFor(t, &s.out, regexp.MustCompile(`listening on http://(127\.0\.0\.1:\d+)\n`))
	waitFor(t, &s.out, regexp.MustCompile(`Serving until Ctrl\+C`))
	wantContains(t, "stdout", s.out.String(),
		"export DRS_EMULATOR_HOST="+addr+"\n",
		"client ID:     "+drssim.DefaultClientID,
		"client secret: "+drssim.DefaultClientSecret,
		"http://127.0.0.1:8182/callback",
		drssim.DefaultModel+" (live)",
		"slot "+firstSlot(t)+": ",
		drssim.DefaultNonLiveModel+" (non-live")

	// Link a device through the control plane and use it with drs.
	resp, err := http.Post("http://"+addr+"/_emulator/devices", "application/json", strings.NewReader(`{"serial":"SIM1","test_device":true}`))
	if err != nil {
		t.Fatal(err)
	}
	var link drssim.Link
	json.NewDecoder(resp.Body).Decode(&link)
	resp.Body.Close()
	e.vars["DRS_EMULATOR_HOST"] = addr
	e.vars["DRS_REFRESH_TOKEN"] = link.RefreshToken
	r := e.run("replenish", firstSlot(t), "--json")
	wantCode(t, r, 0)
	if got := decode[replenish.Result](t, r); got.DetailCode != "TEST_ORDER_PLACED" {
		t.Errorf("replenish through drs sim: %+v", got)
	}
	waitFor(t, &s.errOut, regexp.MustCompile(`msg=request method=POST path=/replenish/`))

	r = s.stop(t)
	wantCode(t, r, 0)
	wantContains(t, "stdout", r.stdout, "emulator stopped")
	if strings.Contains(r.stderr, link.RefreshToken) {
		t.Error("the request log reveals a token")
	}
	if _, err := http.Get("http://" + addr + "/_emulator/orders"); err == nil {
		t.Error("the emulator still answers after drs sim stopped")
	}
}

func TestSimConfigJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cfg := `{
  "profiles": [{"client_id": "amzn1.application-oa2-client.kettle", "client_secret": "kettle secret",
                "allowed_return_urls": ["http://127.0.0.1:8182/callback"], "allow_loopback_any_port": true}],
  "models": [{"id": "Kettle01", "live": true, "slots": [{"id": "tea", "products": [{"asin": "B0TEA00001", "quantity": 20, "unit": "count"}]}]}]
}`
	path := filepath.Join(t.TempDir(), "sim.json")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	s := e.startSim("--config", path, "--json")
	raw := waitFor(t, &s.out, regexp.MustCompile(`(?s)^(\{.*\n\}\n)$`))
	var info sim.Info
	if err := json.Unmarshal([]byte(raw), &info); err != nil {
		t.Fatal(err)
	}
	if len(info.Models) != 1 || info.Models[0].ID != "Kettle01" || info.Profiles[0].ClientID != "amzn1.application-oa2-client.kettle" || info.URL != "http://"+info.Addr {
		t.Errorf("info = %+v", info)
	}
	if want := "export DRS_EMULATOR_HOST=" + info.Addr + " DRS_CLIENT_ID=amzn1.application-oa2-client.kettle DRS_CLIENT_SECRET='kettle secret'"; info.Export != want {
		t.Errorf("export = %q, want %q", info.Export, want)
	}
	r := s.stop(t)
	wantCode(t, r, 0)
	if r.stdout != raw {
		t.Errorf("stdout after the JSON: %q", strings.TrimPrefix(r.stdout, raw))
	}
}

func TestSimBadConfig(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	path := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(path, []byte(`{"models": [{"id": "", "slots": []}]}`), 0o600)
	r := e.run("sim", "--addr", "127.0.0.1:0", "--config", path)
	wantCode(t, r, 2)
	wantContains(t, "stderr", r.stderr, "--config", "models[0]")
}

func TestSimAddrInUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.run("sim", "--addr", e.sim.Addr())
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "starting the emulator on "+e.sim.Addr())
	io.Discard.Write(nil)
}
