package login_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/drssim/drssimtest"
	"github.com/amazondrs/drs/login"
	"github.com/amazondrs/drs/store"
)

// fleet is a store-backed set-up: links and states shared by instances,
// each mounting the start and callback handlers on the fleet server's paths (docs/serve.md).
type fleet struct {
	sim     *drssim.Server
	links   login.LinkStore
	states  store.StateStore
	key     []byte
	mu      sync.Mutex
	clients map[store.Key]*drs.Client
}

func newFleet(t *testing.T) *fleet {
	return &fleet{sim: emulator(t), links: login.MemoryLinks(), states: store.Memory(),
		key: []byte("0123456789abcdef0123456789abcdef"), clients: map[store.Key]*drs.Client{}}
}

func (f *fleet) client(t *testing.T, k store.Key) *drs.Client {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.clients[k]
	if c == nil {
		c = emuClient(t, f.sim)
		f.clients[k] = c
	}
	return c
}

// instance starts one server; the callback URL is shared (the emulator
// accepts /link/callback on the first instance's origin only through its
// exact address, so every instance is given the first's RedirectURL).
func (f *fleet) instance(t *testing.T, redirect string) (*login.Handler, string) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	if redirect == "" {
		redirect = srv.URL + "/link/callback"
	}
	h, err := login.New(login.Config{RedirectURL: redirect, States: f.states, StateKey: f.key, Links: f.links,
		ClientFor: func(k store.Key) (*drs.Client, error) { return f.client(t, k), nil }})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("GET /link/callback", h.CallbackHandler())
	mux.Handle("/link/{id}", h.StartHandler())
	return h, srv.URL
}

func TestStoreLinksSplitRoutes(t *testing.T) {
	f := newFleet(t)
	h, base := f.instance(t, "")
	dev := drs.Device{Model: drssim.DefaultModel, Serial: "SN-fleet-1", TestDevice: true}
	id, err := h.NewLink(t.Context(), drssim.DefaultClientID, dev)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := h.NewLink(t.Context(), drssim.DefaultClientID, drs.Device{Model: drssim.DefaultModel, Serial: "SN-fleet-2"})
	if len(id) != 43 || id == other {
		t.Fatalf("link IDs %q and %q: want 43 distinct characters", id, other)
	}
	// The ID must be whole: a prefix or one changed character is refused.
	bad := []byte(id)
	bad[20] ^= 1
	for _, wrong := range []string{id[:12], id[:42], string(bad)} {
		if st := get(t, base+"/link/"+wrong); st != http.StatusNotFound {
			t.Errorf("GET /link/%s: HTTP %d, want 404", wrong, st)
		}
	}
	page, err := drssimtest.NewBrowser("").Link(t.Context(), base+"/link/"+id, "allow")
	if err != nil || page.Status != 200 || !strings.Contains(page.Body, "Device linked") {
		t.Fatalf("link: %v %+v", err, page)
	}
	c := f.client(t, dev.Key(drssim.DefaultClientID))
	if c.RefreshToken() == "" {
		t.Fatal("the device's Client has no token")
	}
	// Single use: the used link says so, and starts nothing.
	before := f.sim.Requests(drssim.EndpointAuthorize)
	resp, err := noRedirect.Get(base + "/link/" + id)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusGone || f.sim.Requests(drssim.EndpointAuthorize) != before {
		t.Errorf("used link: HTTP %d, want 410 and nothing started", resp.StatusCode)
	}
	// Rotation: a new link works, the old one is gone (404, not 410).
	next, err := h.NewLink(t.Context(), drssim.DefaultClientID, dev)
	if err != nil {
		t.Fatal(err)
	}
	if st := get(t, base+"/link/"+id); st != http.StatusNotFound {
		t.Errorf("rotated link: HTTP %d, want 404", st)
	}
	stateOf(t, base+"/link/"+next)
	if l, err := f.links.GetLink(t.Context(), next[:12]); err != nil || strings.Contains(string(l.Hash), next) {
		t.Errorf("stored link %+v, %v: want it found, holding only a hash", l, err)
	}
}

// TestStoreLinkSurvivesAFailedLogin: a denied attempt does not use the link.
func TestStoreLinkSurvivesAFailedLogin(t *testing.T) {
	f := newFleet(t)
	h, base := f.instance(t, "")
	dev := drs.Device{Model: drssim.DefaultModel, Serial: "SN-fleet-deny", TestDevice: true}
	id, _ := h.NewLink(t.Context(), drssim.DefaultClientID, dev)
	if p, err := drssimtest.NewBrowser("").Link(t.Context(), base+"/link/"+id, "deny"); err != nil || p.Status != http.StatusForbidden {
		t.Fatalf("deny: %v %+v", err, p)
	}
	if p, err := drssimtest.NewBrowser("").Link(t.Context(), base+"/link/"+id, "allow"); err != nil || p.Status != 200 {
		t.Fatalf("allow after a deny: %v %+v", err, p)
	}
}

// TestStartOnOneInstanceFinishOnAnother: instances sharing the stores and
// key serve each other's attempts.
func TestStartOnOneInstanceFinishOnAnother(t *testing.T) {
	f := newFleet(t)
	a, baseA := f.instance(t, "")
	_, baseB := f.instance(t, baseA+"/link/callback")
	dev := drs.Device{Model: drssim.DefaultModel, Serial: "SN-fleet-ab", TestDevice: true}
	id, _ := a.NewLink(t.Context(), drssim.DefaultClientID, dev)
	b := stopBrowser(baseA + "/link/callback")
	back := returnURL(t, b, baseB+"/link/"+id) // started on B
	// Finished on B too (cookies are per host, not per port).
	if st := getIn(t, b, strings.Replace(back, baseA, baseB, 1)); st != 200 {
		t.Fatalf("return trip on B: HTTP %d", st)
	}
	if f.client(t, dev.Key(drssim.DefaultClientID)).RefreshToken() == "" {
		t.Error("not linked")
	}
	if _, err := f.links.GetLink(t.Context(), id[:12]); err != nil {
		t.Fatal(err)
	}
	if err := f.links.UseLink(t.Context(), id[:12], f.sim.Now()); !errors.Is(err, login.ErrLinkUsed) {
		t.Errorf("UseLink of a used link = %v, want ErrLinkUsed", err)
	}
}

func TestMemoryLinks(t *testing.T) {
	m := login.MemoryLinks()
	l := login.Link{ClientID: "c", Device: drs.Device{Model: "M", Serial: "S"}, Hash: []byte{1}}
	if err := m.PutLink(t.Context(), "", l); err == nil {
		t.Error("empty name accepted")
	}
	if err := m.PutLink(t.Context(), "a", login.Link{Hash: []byte{1}}); err == nil {
		t.Error("link without a device accepted")
	}
	if err := m.PutLink(t.Context(), "a", l); err != nil {
		t.Fatal(err)
	}
	if err := m.PutLink(t.Context(), "b", l); err != nil {
		t.Fatal(err)
	}
	if _, err := m.GetLink(t.Context(), "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("replaced link: %v, want ErrNotFound", err)
	}
	if err := m.UseLink(t.Context(), "a", time.Unix(1e9, 0)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UseLink of a missing link: %v", err)
	}
	if err := m.UseLink(t.Context(), "b", time.Unix(1e9, 0)); err != nil {
		t.Fatal(err)
	}
	if got, _ := m.GetLink(t.Context(), "b"); got.Used.IsZero() {
		t.Error("Used not set")
	}
}
