package drssim_test

import (
	"testing"

	"github.com/amazondrs/drs/drssim"
)

func TestClient(t *testing.T) {
	t.Parallel()
	s, err := drssim.New(drssim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client(); err == nil {
		t.Errorf("Client before Start succeeded")
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := s.Client()
	if err != nil || c == nil {
		t.Fatalf("Client() = %v, %v", c, err)
	}
	if err := s.StartAt("127.0.0.1:0"); err == nil {
		t.Errorf("second Start succeeded")
	}
	if err := s.Close(); err != nil || s.URL() != "" {
		t.Errorf("Close = %v, URL after Close = %q", err, s.URL())
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

// TestClientCustomProfile checks that Client uses the configured security
// profile, so that it works with a configuration without the default one.
func TestClientCustomProfile(t *testing.T) {
	t.Parallel()
	cfg := drssim.DefaultConfig()
	cfg.Profiles = []drssim.SecurityProfile{{ClientID: "amzn1.application-oa2-client.mine", ClientSecret: "s3cret",
		AllowedReturnURLs: []string{"https://agent.example.com/callback"}}}
	e := newEnv(t, cfg)
	link := e.link(drssim.LinkRequest{Serial: "SN-own", TestDevice: true})
	c, err := e.s.Client()
	if err != nil {
		t.Fatal(err)
	}
	if c.ClientID() != "amzn1.application-oa2-client.mine" {
		t.Errorf("ClientID() = %q", c.ClientID())
	}
	c.SetRefreshToken(link.RefreshToken)
	res, err := c.Replenish(t.Context(), "coffee-beans")
	if err != nil || res.DetailCode != "TEST_ORDER_PLACED" {
		t.Fatalf("Replenish = %+v, %v", res, err)
	}
}
