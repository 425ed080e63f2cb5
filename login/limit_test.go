package login_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/login"
)

// TestFloodSparesTheCustomer: while the customer is at Amazon, 10,000
// cookie-less GETs of their own link and of the bare route answer 429 (or
// 404) once the per-link limit is reached, hold the state store to that
// limit, and the customer still finishes; a browser with its own cookie can
// still open the flooded link.
func TestFloodSparesTheCustomer(t *testing.T) {
	s := emulator(t)
	c := emuClient(t, s)
	states := newCountingStates()
	h, route := agent(t, login.Config{States: states, Limits: login.Limits{PerLink: 20, PerBrowser: 20, Total: 1000}})
	link := start(t, h, c, drs.Device{Model: drssim.DefaultModel, Serial: "SN-flood", TestDevice: true}, nil)
	customer := stopBrowser(route)
	back := returnURL(t, customer, link) // the customer is at Amazon

	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < 10000; i += 8 {
				u := link
				if i%2 == 1 {
					u = route
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u, nil))
				mu.Lock()
				codes[rec.Code]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if codes[http.StatusFound] != 19 || codes[http.StatusTooManyRequests] != 5000-19 || codes[http.StatusNotFound] != 5000 {
		t.Errorf("answers %v, want 19 redirects (the customer used 1 of 20), the rest of the link's 429, 5000 404s", codes)
	}
	if n := states.count(); n > 20 {
		t.Errorf("%d states held after the flood, want at most 20", n)
	}
	// The customer's browser, with its cookie, may still open the link
	// (it lands on Amazon's consent page).
	if st := getIn(t, customer, link); st != http.StatusOK {
		t.Errorf("the customer reopening the flooded link: HTTP %d, want the consent page", st)
	}
	if st := getIn(t, customer, back); st != http.StatusOK || c.RefreshToken() == "" {
		t.Fatalf("the customer's return trip after the flood: HTTP %d, linked %v", st, c.RefreshToken() != "")
	}
}

func TestLimitsPerBrowserAndTotal(t *testing.T) {
	clk := newClock()
	h, err := login.New(login.Config{RedirectURL: "http://127.0.0.1:8182/callback", Now: clk.Now, StateTTL: 10 * time.Minute,
		Limits: login.Limits{PerLink: 1, PerBrowser: 3, Total: 5}})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := drs.New("id", "secret")
	link, _ := h.Start(c, drs.Device{Model: "M", Serial: "S"}, nil)
	visit := func(ck *http.Cookie) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, link, nil)
		if ck != nil {
			req.AddCookie(ck)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	first := visit(nil) // the one cookie-less attempt of the link
	ck := first.Result().Cookies()[0]
	if rec := visit(nil); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" ||
		!strings.Contains(rec.Body.String(), "Too many sign-in attempts") {
		t.Fatalf("second cookie-less visit: HTTP %d %q, want 429 with Retry-After and a page", rec.Code, rec.Header().Get("Retry-After"))
	}
	for i := range 4 {
		want := http.StatusFound
		if i == 3 {
			want = http.StatusTooManyRequests
		}
		if rec := visit(ck); rec.Code != want {
			t.Errorf("visit %d with the cookie: HTTP %d, want %d", i+1, rec.Code, want)
		}
	}
	clk.advance(10 * time.Minute) // a new window
	for i := range 6 {
		other, _ := drs.New("id", "secret")
		l, _ := h.Start(other, drs.Device{Model: "M", Serial: "T" + string(rune('a'+i))}, nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, l, nil))
		if want := map[bool]int{true: http.StatusTooManyRequests, false: http.StatusFound}[i == 5]; rec.Code != want {
			t.Errorf("link %d in the new window: HTTP %d, want %d (Total 5)", i, rec.Code, want)
		}
	}
}
