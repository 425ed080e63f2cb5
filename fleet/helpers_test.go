package fleet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amazondrs/drs/fleet"
	"github.com/amazondrs/drs/fleet/api"
	"github.com/amazondrs/drs/fleet/db"
)

const adminToken = "test-admin-token-0123456789"

// logBuffer collects the server's log lines; it is safe for concurrent
// writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// server is a fleet server running on loopback for one test.
type server struct {
	t      *testing.T
	srv    *fleet.Server
	path   string
	logs   *logBuffer
	public string
	admin  string
	stop   func() error
}

type option func(*fleet.Config)

// fixedClock freezes the server's clock, so that rate limits never
// refill during a test.
func fixedClock(c *fleet.Config) {
	now := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	c.Now = func() time.Time { return now }
}

func burst(n int) option { return func(c *fleet.Config) { c.RateLimit = 0.001; c.Burst = n } }

// start runs a server on the SQLite file path ("" for a new one).
func start(t *testing.T, path string, opts ...option) *server {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "fleet.db")
	}
	logs := &logBuffer{}
	cfg := fleet.Config{
		DB: db.Spec{Driver: "sqlite", Path: path}, Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0",
		AdminToken: adminToken, Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		ShutdownTimeout: 10 * time.Second,
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := fleet.New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("fleet.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	s := &server{t: t, srv: srv, path: path, logs: logs, public: "http://" + srv.Addr(), admin: "http://" + srv.AdminAddr()}
	var once sync.Once
	var stopErr error
	s.stop = func() error {
		once.Do(func() {
			cancel()
			stopErr = <-done
		})
		return stopErr
	}
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("stopping the server: %v", err)
		}
	})
	return s
}

// restart stops s and starts a new server on the same file.
func (s *server) restart(opts ...option) *server {
	s.t.Helper()
	if err := s.stop(); err != nil {
		s.t.Fatalf("stopping the server: %v", err)
	}
	return start(s.t, s.path, opts...)
}

// do sends a request and returns the status and body.
func do(t *testing.T, method, url, token string, body string, header ...string) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return v
}

// provision makes a device through the admin API and returns it with its
// token.
func (s *server) provision(serial string) api.AdminDevice {
	s.t.Helper()
	code, b := do(s.t, "POST", s.admin+"/admin/v1/devices", adminToken, `{"model":"CoffeeMaker01","serial":"`+serial+`","test_device":true}`)
	if code != http.StatusCreated {
		s.t.Fatalf("provisioning %s: %d %s", serial, code, b)
	}
	return decode[api.AdminDevice](s.t, b)
}

// wantError checks a JSON error answer.
func wantError(t *testing.T, what string, code int, body []byte, wantStatus int, wantCode, wantInMessage string) {
	t.Helper()
	if code != wantStatus {
		t.Errorf("%s: status %d, want %d (%s)", what, code, wantStatus, body)
		return
	}
	e := decode[api.ErrorBody](t, body)
	if e.Error.Code != wantCode || !strings.Contains(e.Error.Message, wantInMessage) {
		t.Errorf("%s: error %+v, want code %q and a message with %q", what, e.Error, wantCode, wantInMessage)
	}
}
