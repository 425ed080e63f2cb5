package pgstore_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/drssim/drssimtest"
	"github.com/amazondrs/drs/login"
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
	newInstance := func(clientFor func(store.Key) (*drs.Client, error)) *login.Handler {
		h, err := login.New(login.Config{RedirectURL: lb.URL + "/callback", States: pg, StateKey: key, ClientFor: clientFor})
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
	link, err := a.Start(clientA, drs.Device{Model: drssim.DefaultModel, Serial: "SN-FLEET-1", TestDevice: true}, nil)
	if err != nil {
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
	page, err := drssimtest.NewBrowser("").Link(t.Context(), link, "allow")
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

// TestLoginOneExchangeUnderConcurrentReturns: 50 concurrent return trips
// with the same state and cookie, spread over two instances sharing
// PostgreSQL: exactly one exchanges the code and shows "Device linked".
func TestLoginOneExchangeUnderConcurrentReturns(t *testing.T) {
	pg := open(t, newSchema(t))
	sim, err := drssim.New(drssim.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	key := []byte("shared-state-key-of-the-agent-fleet")
	mux := http.NewServeMux()
	lb := httptest.NewServer(mux)
	t.Cleanup(lb.Close)
	var mu sync.Mutex
	var clients []*drs.Client
	clientFor := func(k store.Key) (*drs.Client, error) {
		c, err := sim.Client(drs.WithTokenStore(pg, k.DeviceModel, k.Serial))
		mu.Lock()
		clients = append(clients, c)
		mu.Unlock()
		return c, err
	}
	var hs [2]*login.Handler
	for i := range hs {
		if hs[i], err = login.New(login.Config{RedirectURL: lb.URL + "/callback", States: pg, StateKey: key, Links: login.MemoryLinks(), ClientFor: clientFor}); err != nil {
			t.Fatal(err)
		}
	}
	var n atomic.Int32
	mux.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) { hs[n.Add(1)%2].ServeHTTP(w, r) })
	c, _ := sim.Client()
	link, err := hs[0].Start(c, drs.Device{Model: drssim.DefaultModel, Serial: "SN-FLEET-50", TestDevice: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	hs[0].ServeHTTP(rec, httptest.NewRequest(http.MethodGet, link, nil))
	cookies := rec.Result().Cookies()
	b := drssimtest.NewBrowser(lb.URL + "/callback?")
	consent, err := b.Get(t.Context(), rec.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	_, back, err := b.Answer(t.Context(), consent, "allow")
	if err != nil || back.Location == "" || len(cookies) != 1 {
		t.Fatalf("no return URL: %v %+v (cookies %v)", err, back, cookies)
	}
	var wg sync.WaitGroup
	var ok, refused atomic.Int32
	start := make(chan struct{})
	for range 50 {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, back.Location, nil)
			req.AddCookie(cookies[0])
			<-start
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusOK:
				ok.Add(1)
			case http.StatusBadRequest:
				refused.Add(1)
			default:
				t.Errorf("HTTP %d", resp.StatusCode)
			}
		})
	}
	close(start)
	wg.Wait()
	if ok.Load() != 1 || refused.Load() != 49 || sim.Requests(drssim.EndpointToken) != 1 {
		t.Errorf("%d linked, %d refused, %d exchanges; want 1, 49, 1", ok.Load(), refused.Load(), sim.Requests(drssim.EndpointToken))
	}
}
