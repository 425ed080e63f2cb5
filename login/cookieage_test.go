package login_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/login"
	"github.com/amazondrs/drs/store"
)

// clockedFleet is one fleet instance on a settable clock, with limits.
func clockedFleet(t *testing.T, f *fleet, clk *clock, lim login.Limits) (*login.Handler, string) {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	h, err := login.New(login.Config{RedirectURL: srv.URL + "/link/callback", States: f.states, StateKey: f.key, Links: f.links,
		Now: clk.Now, StateTTL: 10 * time.Minute, Limits: lim,
		ClientFor: func(k store.Key) (*drs.Client, error) { return f.client(t, k), nil }})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("GET /link/callback", h.CallbackHandler())
	mux.Handle("/link/{id}", h.StartHandler())
	return h, srv.URL
}

// visitWith GETs a link through h with cookie ck (if not nil).
func visitWith(h http.Handler, link string, ck *http.Cookie) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, link, nil)
	if ck != nil {
		r.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// TestCookiesCannotStarveOtherLinks: the holder of one link collects
// binding cookies over many windows, then opens the link with each of them
// in one window. Cookies older than 2×StateTTL are refused (the visit
// counts as cookie-less, held to PerLink), and Total counts only
// cookie-less starts, so another link's fresh visitor still starts.
func TestCookiesCannotStarveOtherLinks(t *testing.T) {
	f := newFleet(t)
	clk := newClock()
	h, _ := clockedFleet(t, f, clk, login.Limits{Total: 200})
	sh := h.StartHandler()
	mine, _ := h.NewLink(t.Context(), drssim.DefaultClientID, drs.Device{Model: drssim.DefaultModel, Serial: "SN-atk"})
	victim, _ := h.NewLink(t.Context(), drssim.DefaultClientID, drs.Device{Model: drssim.DefaultModel, Serial: "SN-victim"})
	var cookies []*http.Cookie
	for range 10 {
		for range 20 {
			_, c := startRec(t, sh, "/x?link="+mine)
			cookies = append(cookies, c)
		}
		clk.advance(11 * time.Minute)
	}
	started, byCap := 0, map[string]int{}
	for _, c := range cookies {
		for range 20 {
			rec := visitWith(sh, "/x?link="+mine, c)
			if rec.Code == http.StatusFound {
				started++
				continue
			}
			for _, cap := range []string{"per-link", "per-browser", "overall"} {
				if strings.Contains(rec.Body.String(), "the "+cap+" limit") {
					byCap[cap]++
				}
			}
		}
	}
	// Live cookies: the last window's 20 (11 minutes old); the older ones
	// count as cookie-less visits of the link, 20 allowed.
	if max := 20 + 20*20; started > max {
		t.Errorf("one link started %d attempts in one window with %d cookies, want at most %d", started, len(cookies), max)
	}
	if byCap["per-link"] == 0 || byCap["overall"] != 0 {
		t.Errorf("refusals by cap %v: want per-link ones (old cookies) and no overall one", byCap)
	}
	if rec := visitWith(sh, "/x?link="+victim, nil); rec.Code != http.StatusFound {
		t.Errorf("another link's fresh visit after the flood: HTTP %d, want 302", rec.Code)
	}
}

// TestCookieLifetime: a cookie keeps its issue time (revisits do not move
// it), starts attempts for 2×StateTTL and is accepted on the return trip
// of an attempt started just before that.
func TestCookieLifetime(t *testing.T) {
	f := newFleet(t)
	clk := newClock()
	h, base := clockedFleet(t, f, clk, login.Limits{})
	dev := drs.Device{Model: drssim.DefaultModel, Serial: "SN-cookie-age", TestDevice: true}
	id, _ := h.NewLink(t.Context(), drssim.DefaultClientID, dev)
	sh := h.StartHandler()
	_, ck := startRec(t, sh, "/x?link="+id)
	if ck.MaxAge != 30*60 {
		t.Errorf("new cookie MaxAge %d, want %d (2×StateTTL to start, one more for the return trip)", ck.MaxAge, 30*60)
	}
	clk.advance(15 * time.Minute)
	again := visitWith(sh, "/x?link="+id, ck).Result().Cookies()
	if len(again) != 1 || again[0].Value != ck.Value || again[0].MaxAge > 15*60 {
		t.Errorf("cookie resent after a revisit: %v; want the same value with at most 15 minutes left", again)
	}
	clk.advance(5 * time.Minute) // 20 minutes: the cookie no longer starts attempts
	if fresh := visitWith(sh, "/x?link="+id, ck).Result().Cookies(); len(fresh) != 1 || fresh[0].Value == ck.Value {
		t.Errorf("visit with a 20-minute-old cookie kept it (%v), want a new one", fresh)
	}

	// Through a browser: an attempt started at minute 19 of the cookie
	// returns at minute 25 and links.
	b := stopBrowser(base + "/link/callback")
	returnURL(t, b, base+"/link/"+id) // sets the browser's cookie
	clk.advance(19 * time.Minute)
	back := returnURL(t, b, base+"/link/"+id)
	clk.advance(6 * time.Minute)
	if st := getIn(t, b, back); st != http.StatusOK {
		t.Errorf("return trip with a 25-minute-old cookie of an attempt from minute 19: HTTP %d, want 200", st)
	}
}
