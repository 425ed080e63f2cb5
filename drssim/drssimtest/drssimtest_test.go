package drssimtest_test

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/drssim/drssimtest"
)

// TestPairs runs a device's calls through each pair: a linked device's
// subscription info, and a DRS error that keeps the emulator's request ID.
func TestPairs(t *testing.T) {
	t.Parallel()
	for name, start := range map[string]func(testing.TB, ...drssimtest.Option) (*drssim.Server, *drs.Client){
		"loopback":  drssimtest.Start,
		"in-memory": drssimtest.StartInMemory,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, c := start(t)
			link, err := s.LinkDevice(drssim.LinkRequest{Serial: "SN-pair", TestDevice: true})
			if err != nil {
				t.Fatal(err)
			}
			c.SetRefreshToken(link.RefreshToken)
			info, err := c.SubscriptionInfo(t.Context())
			if err != nil || len(info.Slots) == 0 {
				t.Fatalf("SubscriptionInfo = %+v, %v", info, err)
			}
			_, err = c.Replenish(t.Context(), "no-such-slot")
			var de *drs.Error
			if !errors.As(err, &de) || de.StatusCode != 404 || de.RequestID == "" {
				t.Errorf("Replenish of an unknown slot = %v, want a 404 *drs.Error with a request ID", err)
			}
			if got := s.Requests(drssim.EndpointReplenish); got != 1 {
				t.Errorf("emulator saw %d replenish requests, want 1", got)
			}
		})
	}
}

// TestInMemoryInBubble shows the in-memory pair inside a synctest bubble:
// nothing blocks on a socket, so fake time moves and the bubble ends.
func TestInMemoryInBubble(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s, c := drssimtest.StartInMemory(t)
		link, err := s.LinkDevice(drssim.LinkRequest{Serial: "SN-bubble", TestDevice: true})
		if err != nil {
			t.Fatal(err)
		}
		c.SetRefreshToken(link.RefreshToken)
		start := time.Now()
		if _, err := c.SubscriptionInfo(t.Context()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour)
		if got := time.Since(start); got < time.Hour {
			t.Errorf("fake time moved %v, want an hour", got)
		}
		if _, err := c.SubscriptionInfo(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
}
