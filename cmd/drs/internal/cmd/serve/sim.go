package serve

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/fleet"
	"github.com/amazondrs/drs/fleet/api"
	"github.com/amazondrs/drs/fleet/db"
)

// SimInfo is what drs serve --sim prints when it is ready (the JSON
// output). The tokens are the try-out's own, made for this run.
type SimInfo struct {
	PublicURL   string          `json:"public_url"`
	AdminURL    string          `json:"admin_url"`
	EmulatorURL string          `json:"emulator_url"`
	Database    string          `json:"database"`
	AdminToken  string          `json:"admin_token"`
	Device      api.AdminDevice `json:"device"`
	Curl        []string        `json:"curl"`
}

// SimSerial is the demo device's serial.
const SimSerial = "SIM1"

// runSim runs the try-out: an emulator and a temporary SQLite database
// that both end with the command.
func runSim(ctx context.Context, opts *Options) error {
	if err := checkSimFlags(opts); err != nil {
		return err
	}
	f := opts.Factory
	log := logger(f)
	emu, err := drssim.New(drssim.DefaultConfig(), drssim.WithLogger(log.With("component", "emulator")))
	if err != nil {
		return err
	}
	if err := emu.StartAt("127.0.0.1:0"); err != nil {
		return fmt.Errorf("starting the emulator: %w", err)
	}
	defer emu.Close()
	dir, err := os.MkdirTemp("", "drs-serve-sim-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	admin := base64.RawURLEncoding.EncodeToString(randomBytes(32))
	cfg := fleet.Config{
		DB: db.Spec{Driver: "sqlite", Path: filepath.Join(dir, "fleet.db")}, Listen: opts.Listen, AdminListen: opts.AdminListen,
		AdminToken: admin, Logger: log,
	}
	srv, err := fleet.New(ctx, cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	dev, err := provision(ctx, "http://"+srv.AdminAddr(), admin)
	if err != nil {
		cancel()
		<-done
		return fmt.Errorf("provisioning the demo device: %w", err)
	}
	info := SimInfo{PublicURL: srv.PublicURL(), AdminURL: "http://" + srv.AdminAddr(), EmulatorURL: emu.URL(),
		Database: cfg.DB.Path, AdminToken: admin, Device: dev}
	info.Curl = curlLines(info)
	if err := f.Print(info, func(w io.Writer) { printSim(w, info) }); err != nil {
		return err
	}
	return <-done
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return b
}

// provision makes the demo device through the admin API, as an operator
// would.
func provision(ctx context.Context, adminURL, token string) (api.AdminDevice, error) {
	body, _ := json.Marshal(api.ProvisionRequest{Model: drssim.DefaultModel, Serial: SimSerial, TestDevice: true})
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, adminURL+"/admin/v1/devices", bytes.NewReader(body))
	if err != nil {
		return api.AdminDevice{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return api.AdminDevice{}, err
	}
	defer resp.Body.Close()
	var dev api.AdminDevice
	if resp.StatusCode != http.StatusCreated {
		return dev, fmt.Errorf("the admin API answered %s", resp.Status)
	}
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&dev)
	return dev, err
}

func curlLines(info SimInfo) []string {
	a := "-H 'Authorization: Bearer " + info.AdminToken + "'"
	return []string{
		"curl -s -H 'Authorization: Bearer " + info.Device.DeviceToken + "' " + info.PublicURL + "/v1/device",
		"curl -s " + a + " " + info.AdminURL + "/admin/v1/devices",
		"curl -s " + a + " " + info.AdminURL + "/admin/v1/devices/" + info.Device.ID,
		"curl -s " + a + " -H 'Content-Type: application/json' -d '{\"model\":\"" + drssim.DefaultModel + "\",\"serial\":\"S2\",\"test_device\":true}' " + info.AdminURL + "/admin/v1/devices",
		"curl -s " + info.PublicURL + "/readyz",
		"curl -s " + info.AdminURL + "/metrics",
	}
}

func printSim(w io.Writer, info SimInfo) {
	cmdutil.Fprintf(w, "drs serve --sim: a try-out; the database and the tokens below end with this process.\n\n")
	cmdutil.Fprintf(w, "Device API:    %s\nAdmin API:     %s\nEmulator:      %s\nDatabase:      %s\n\n", info.PublicURL, info.AdminURL, info.EmulatorURL, info.Database)
	cmdutil.Fprintf(w, "Admin token:   %s\n", info.AdminToken)
	cmdutil.Fprintf(w, "Demo device:   %s (%s, serial %s, test device)\n", info.Device.ID, info.Device.Model, info.Device.Serial)
	cmdutil.Fprintf(w, "Device token:  %s\n", info.Device.DeviceToken)
	cmdutil.Fprintf(w, "Link URL:      %s (linking arrives in the next step)\n\nTry:\n\n", info.Device.LinkURL)
	for _, l := range info.Curl {
		cmdutil.Fprintf(w, "    %s\n", l)
	}
	cmdutil.Fprintf(w, "\nServing until Ctrl+C.\n")
}
