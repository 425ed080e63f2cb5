package drssim_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amazondrs/drs/drssim"
)

func TestDefaultConfig(t *testing.T) {
	t.Parallel()
	cfg := drssim.DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate() = %v", err)
	}
	p := cfg.Profiles[0]
	if len(cfg.Profiles) != 1 || p.ClientID != drssim.DefaultClientID || p.ClientSecret != drssim.DefaultClientSecret || !p.AllowLoopbackAnyPort ||
		strings.Join(p.AllowedReturnURLs, " ") != "http://127.0.0.1:8182/callback http://localhost:8182/callback" {
		t.Errorf("profile = %+v", p)
	}
	live := map[string]bool{}
	for _, m := range cfg.Models {
		live[m.ID] = m.Live
		if len(m.Slots) < 2 {
			t.Errorf("model %s has %d slots, want 2 or more", m.ID, len(m.Slots))
		}
		for _, s := range m.Slots {
			if len(s.Products) < 2 {
				t.Errorf("slot %s has %d products, want 2 or more", s.ID, len(s.Products))
			}
		}
	}
	if got, ok := live[drssim.DefaultModel]; !got || !ok {
		t.Errorf("%s is not a live model", drssim.DefaultModel)
	}
	if got, ok := live[drssim.DefaultNonLiveModel]; got || !ok {
		t.Errorf("%s is not a non-live model", drssim.DefaultNonLiveModel)
	}
}

// writeConfig writes a config file and returns its path.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	path := writeConfig(t, `{
  "models": [{"id": "Kettle-1", "live": true, "slots": [
    {"id": "descaler", "products": [{"asin": "B0KETTLE01", "quantity": 3, "unit": "count", "title": "Descaler"}]}
  ]}],
  "customer_name": "Grace"
}`)
	cfg, err := drssim.LoadConfig(path)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if len(cfg.Models) != 1 || cfg.Models[0].Slots[0].Products[0].Title != "Descaler" || cfg.CustomerName != "Grace" {
		t.Errorf("config = %+v", cfg)
	}
	if len(cfg.Profiles) != 1 || cfg.Profiles[0].ClientID != drssim.DefaultClientID {
		t.Errorf("profiles not defaulted: %+v", cfg.Profiles)
	}
	s, err := drssim.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if _, err := s.LinkDevice(drssim.LinkRequest{Serial: "K1"}); err != nil {
		t.Errorf("LinkDevice on the loaded model: %v", err)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	t.Parallel()
	model := func(slots string) string {
		return `{"models":[{"id":"M1","live":true,"slots":` + slots + `}]}`
	}
	slot := `{"id":"s1","products":[{"asin":"B000000001","quantity":1,"unit":"count"}]}`
	tests := []struct{ name, body, want string }{
		{"syntax", `{"models":[}`, "invalid JSON at offset"},
		{"empty", ``, "empty"},
		{"trailing", `{} {}`, "after the top-level value"},
		{"unknown field", `{"modles":[]}`, `unknown field "modles"`},
		{"wrong type", `{"models":[{"id":"M1","live":"yes"}]}`, `"models.live"`},
		{"bad model id", `{"models":[{"id":"M 1","live":true,"slots":[` + slot + `]}]}`, "models[0].id"},
		{"no slots", model(`[]`), "models[0].slots"},
		{"empty slot id", model(`[{"id":"","products":[{"asin":"B1","quantity":1,"unit":"count"}]}]`), "models[0].slots[0].id"},
		{"dot slot id", model(`[{"id":"..","products":[{"asin":"B1","quantity":1,"unit":"count"}]}]`), "models[0].slots[0].id"},
		{"duplicate slot", model(`[` + slot + `,` + slot + `]`), "models[0].slots[1].id: duplicate"},
		{"no products", model(`[{"id":"s1","products":[]}]`), "models[0].slots[0].products"},
		{"zero quantity", model(`[{"id":"s1","products":[{"asin":"B1","quantity":0,"unit":"count"}]}]`), "models[0].slots[0].products[0].quantity"},
		{"no unit", model(`[{"id":"s1","products":[{"asin":"B1","quantity":1}]}]`), "models[0].slots[0].products[0].unit"},
		{"bad asin", model(`[{"id":"s1","products":[{"asin":"B-1","quantity":1,"unit":"count"}]}]`), "models[0].slots[0].products[0].asin"},
		{"duplicate model", `{"models":[{"id":"M1","live":true,"slots":[` + slot + `]},{"id":"M1","live":true,"slots":[` + slot + `]}]}`, "models[1].id: duplicate"},
		{"no client_id", `{"profiles":[{"client_secret":"x","allowed_return_urls":["https://a.example/cb"]}]}`, "profiles[0].client_id"},
		{"no secret", `{"profiles":[{"client_id":"c","allowed_return_urls":["https://a.example/cb"]}]}`, "profiles[0].client_secret"},
		{"no return URLs", `{"profiles":[{"client_id":"c","client_secret":"x"}]}`, "profiles[0].allowed_return_urls"},
		{"bad return URL", `{"profiles":[{"client_id":"c","client_secret":"x","allowed_return_urls":["https://a.example/cb","ftp://x/y"]}]}`, "profiles[0].allowed_return_urls[1]"},
		{"relative return URL", `{"profiles":[{"client_id":"c","client_secret":"x","allowed_return_urls":["/cb"]}]}`, "profiles[0].allowed_return_urls[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := writeConfig(t, tt.body)
			_, err := drssim.LoadConfig(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadConfig(%s) = %v, want an error containing %q", tt.body, err, tt.want)
			}
		})
	}
	if _, err := drssim.LoadConfig(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Errorf("LoadConfig of a missing file succeeded")
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	t.Parallel()
	cfg := drssim.DefaultConfig()
	cfg.Models[0].Slots[0].Products[0].Quantity = -1
	if _, err := drssim.New(cfg); err == nil || !strings.Contains(err.Error(), "models[0].slots[0].products[0].quantity") {
		t.Errorf("New = %v", err)
	}
	// New copies the config: later changes do not reach the server.
	cfg = drssim.DefaultConfig()
	s, err := drssim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Models[0].Slots[0].ID = "changed"
	if got := s.Config().Models[0].Slots[0].ID; got != "coffee-beans" {
		t.Errorf("server config changed with the caller's: %q", got)
	}
}
