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
