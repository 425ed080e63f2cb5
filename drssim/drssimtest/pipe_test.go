package drssimtest

import (
	"net/http"
	"slices"
	"testing"

	"github.com/amazondrs/drs/drssim"
	"github.com/google/go-cmp/cmp"
)

// TestPipeKeepsWireHeaderKeys compares the response header keys a client
// reads over the pipe with those it reads over loopback TCP: the emulator
// spells some keys non-canonically (x-amzn-RequestId), and both
// connections hand them to the client canonicalised, as a real one would.
func TestPipeKeepsWireHeaderKeys(t *testing.T) {
	t.Parallel()
	keys := func(hc *http.Client, url string) []string {
		t.Helper()
		resp, err := hc.Post(url+"/replenish/no-such-slot", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var ks []string
		for k := range resp.Header {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	tcp, _ := Start(t)
	mem, err := drssim.New(drssim.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	ln := newPipeListener()
	if err := mem.StartListener(ln); err != nil {
		t.Fatal(err)
	}
	hc := ln.client()
	t.Cleanup(func() { mem.Close(); hc.CloseIdleConnections() })

	want := keys(http.DefaultClient, tcp.URL())
	got := keys(hc, mem.URL())
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("header keys over the pipe (-loopback +pipe):\n%s", diff)
	}
	if !slices.Contains(got, "X-Amzn-Requestid") || slices.Contains(got, "x-amzn-RequestId") {
		t.Errorf("header keys %q: want the request ID under its canonical key", got)
	}
	if mem.Addr() != "drssim.invalid:80" {
		t.Errorf("in-memory Addr = %q", mem.Addr())
	}
}
