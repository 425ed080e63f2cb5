package pgstore_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/drssim/drssimtest"
	"github.com/amazondrs/drs/store"
)

// TestLoginAcrossInstances starts a login on one agent instance and
// finishes it on another: both share the PostgreSQL state store and the
// state key, the way agents behind a load balancer would.
func TestLoginAcrossInstances(t *testing.T) {
	pg := open(t, newSchema(t))
	sim, clientA := drssimtest.Start(t)

	key := []byte("shared-state-key-of-the-agent-fleet")
	mux := http.NewServeMux()
	lb := httptest.NewServer(mux) // the public URL; which instance answers is up to the "load balancer"
	t.Cleanup(lb.Close)
	newInstance := func(clientFor func(store.Key) (*drs.Client, error)) *drs.LoginHandler {
		h, err := drs.NewLoginHandler(drs.LoginConfig{RedirectURL: lb.URL + "/callback", States: pg, StateKey: key, ClientFor: clientFor})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	a := newInstance(nil)
	var clientB *drs.Client
	b := newInstance(func(k store.Key) (*drs.Client, error) {
		var err error
		clientB, err = sim.Client(drs.WithTokenStore(pg, k.DeviceModel, k.Serial))
		return clientB, err
	})
	if err := a.Start(clientA, drs.Device{Model: drssim.DefaultModel, Serial: "SN-FLEET-1", TestDevice: true}, nil); err != nil {
		t.Fatal(err)
	}
	var visits []string
	mux.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("state") {
			visits = append(visits, "B")
			b.ServeHTTP(w, r) // the return trip lands on the other instance
			return
		}
		visits = append(visits, "A")
		a.ServeHTTP(w, r)
	})
	page, err := drssimtest.NewBrowser("").Link(t.Context(), lb.URL+"/callback", "allow")
	if err != nil {
		t.Fatal(err)
	}
	if page.Status != 200 || page.Title() != "Device linked" || len(visits) != 2 {
		t.Fatalf("landed on HTTP %d %q after visits %v", page.Status, page.Title(), visits)
	}
	if clientB == nil || clientB.RefreshToken() == "" {
		t.Fatal("instance B did not link the device")
	}
	saved, err := pg.Load(t.Context(), store.Key{ClientID: drssim.DefaultClientID, DeviceModel: drssim.DefaultModel, Serial: "SN-FLEET-1"})
	if err != nil || saved != clientB.RefreshToken() {
		t.Errorf("stored token matches: %v (%v)", saved == clientB.RefreshToken(), err)
	}
	res, err := clientB.Replenish(t.Context(), "coffee-beans")
	if err != nil || res.DetailCode != drs.TestOrderPlaced {
		t.Errorf("Replenish on instance B: %+v %v", res, err)
	}
}
