// Package fleet is the fleet server of drs serve: configuration, wiring and
// lifecycle. docs/serve.md describes it; the handlers are in fleet/api, the
// database in fleet/db, the background jobs in fleet/jobs.
//
// Lifecycle: [New] opens the database (taking its file lock), migrates the
// server's and River's schemas and binds both listeners; [Server.Run]
// serves until its context ends, then stops taking requests, lets those in
// flight finish within [Config.ShutdownTimeout] (default
// [DefaultShutdownTimeout]), stops the jobs (a job still running is
// cancelled and retried at the next start) and closes the database.
// Every change is committed before it is acknowledged, so kill -9 loses
// nothing a client was told succeeded.
package fleet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/amazondrs/drs/fleet/api"
	"github.com/amazondrs/drs/fleet/db"
	"github.com/amazondrs/drs/fleet/jobs"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"
)

// Defaults of [Config].
const (
	DefaultListen      = "127.0.0.1:8080"
	DefaultAdminListen = "127.0.0.1:8081"
	// DefaultShutdownTimeout is how long SIGTERM waits for requests in
	// flight: under the 30 s that Kubernetes and systemd grant by default.
	DefaultShutdownTimeout = 20 * time.Second
)

// Config configures a [Server].
type Config struct {
	DB          db.Spec
	Listen      string // public listener: the device API, /livez, /readyz
	AdminListen string // admin listener: the admin API and /metrics
	// PublicURL is what browsers and Amazon reach; "" means
	// http://<listen> when Listen is on loopback, and is an error otherwise.
	PublicURL string
	// AdminToken is DRS_ADMIN_TOKEN; required.
	AdminToken string
	// TLSCert and TLSKey, both or neither, serve both listeners over TLS.
	TLSCert, TLSKey string
	Logger          *slog.Logger
	// Now is the clock of the handlers and the jobs; nil means time.Now.
	Now             func() time.Time
	ShutdownTimeout time.Duration
	// RateLimit and Burst shape the per-device limit (see package api).
	RateLimit rate.Limit
	Burst     int
}

// Server is a running fleet server.
type Server struct {
	cfg              Config
	db               *db.DB
	jobs             *jobs.Runner
	public, admin    *http.Server
	publicLn, adminL net.Listener
}

// New opens the database, migrates it and binds the listeners; Run serves.
func New(ctx context.Context, cfg Config) (_ *Server, err error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	if cfg.AdminToken == "" {
		return nil, errors.New("fleet: no admin token; set DRS_ADMIN_TOKEN")
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return nil, errors.New("fleet: give both --tls-cert and --tls-key, or neither")
	}
	s := &Server{cfg: cfg}
	defer func() {
		if err != nil {
			s.closeAll()
		}
	}()
	if s.db, err = db.Open(ctx, cfg.DB); err != nil {
		return nil, err
	}
	if err = jobs.Migrate(ctx, s.db.SQL); err != nil {
		return nil, err
	}
	if s.jobs, err = jobs.New(jobs.Config{DB: s.db.SQL, Logger: cfg.Logger.With("component", "jobs"), Now: cfg.Now}); err != nil {
		return nil, err
	}
	if s.publicLn, err = net.Listen("tcp", cfg.Listen); err != nil {
		return nil, fmt.Errorf("fleet: --listen: %w", err)
	}
	if s.adminL, err = net.Listen("tcp", cfg.AdminListen); err != nil {
		return nil, fmt.Errorf("fleet: --admin-listen: %w", err)
	}
	if s.cfg.PublicURL, err = publicURL(cfg.PublicURL, s.publicLn.Addr().String(), cfg.TLSCert != ""); err != nil {
		return nil, err
	}
	s.wire()
	return s, nil
}

// publicURL validates the --public-url, or derives it from a loopback
// listener.
func publicURL(given, listen string, tls bool) (string, error) {
	if given == "" {
		host, _, _ := net.SplitHostPort(listen)
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return "", fmt.Errorf("fleet: --public-url is required when --listen is not on loopback (listening on %s)", listen)
		}
		scheme := "http"
		if tls {
			scheme = "https"
		}
		return scheme + "://" + listen, nil
	}
	u, err := url.Parse(given)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("fleet: --public-url must be an http or https URL with a host and no query, as in https://drs.example.com")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

func (s *Server) wire() {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "drs_devices", Help: "Provisioned devices, deleted ones excluded."},
		func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := db.CountDevices(ctx, s.db.SQL)
			if err != nil {
				return -1
			}
			return float64(n)
		}))
	a := api.New(api.Config{DB: s.db, Jobs: s.jobs, AdminToken: s.cfg.AdminToken, PublicURL: s.cfg.PublicURL,
		Logger: s.cfg.Logger, Metrics: api.NewMetrics(reg), Now: s.cfg.Now, RateLimit: s.cfg.RateLimit, Burst: s.cfg.Burst})
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
	s.public = s.httpServer(a.Public())
	s.admin = s.httpServer(a.Admin(map[string]http.Handler{"GET /metrics": metrics}))
}

func (s *Server) httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12},
	}
}

// Addr is the public listener's address; AdminAddr the admin one's.
func (s *Server) Addr() string { return s.publicLn.Addr().String() }

// AdminAddr is the admin listener's address.
func (s *Server) AdminAddr() string { return s.adminL.Addr().String() }

// PublicURL is the URL browsers and Amazon reach.
func (s *Server) PublicURL() string { return s.cfg.PublicURL }

// Jobs is the job runner (for tests that wait for a job).
func (s *Server) Jobs() *jobs.Runner { return s.jobs }

// Run serves until ctx ends, then drains (see the package documentation)
// and closes everything. It returns nil after a clean drain.
func (s *Server) Run(ctx context.Context) error {
	if err := s.jobs.Start(context.WithoutCancel(ctx)); err != nil {
		s.closeAll()
		return err
	}
	errc := make(chan error, 2)
	for _, p := range []struct {
		srv *http.Server
		ln  net.Listener
	}{{s.public, s.publicLn}, {s.admin, s.adminL}} {
		go func() {
			var err error
			if s.cfg.TLSCert != "" {
				err = p.srv.ServeTLS(p.ln, s.cfg.TLSCert, s.cfg.TLSKey)
			} else {
				err = p.srv.Serve(p.ln)
			}
			if !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}
	s.cfg.Logger.Info("serving", "listen", s.Addr(), "admin_listen", s.AdminAddr(), "public_url", s.cfg.PublicURL, "db", s.db.Spec.String())
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	return errors.Join(serveErr, s.drain())
}

// drain stops taking requests, waits for those in flight and the jobs
// within the shutdown deadline, and closes the database.
func (s *Server) drain() error {
	s.cfg.Logger.Info("draining", "deadline", s.cfg.ShutdownTimeout.String())
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	for _, srv := range []*http.Server{s.public, s.admin} {
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("fleet: requests still running at the deadline: %w", err))
			srv.Close()
		}
	}
	if err := s.jobs.Stop(ctx); err != nil {
		errs = append(errs, fmt.Errorf("fleet: stopping jobs: %w", err))
	}
	if err := s.db.Close(); err != nil {
		errs = append(errs, err)
	}
	s.cfg.Logger.Info("stopped")
	return errors.Join(errs...)
}

// closeAll releases what New acquired, for a failed New or Run.
func (s *Server) closeAll() {
	for _, ln := range []net.Listener{s.publicLn, s.adminL} {
		if ln != nil {
			ln.Close()
		}
	}
	if s.db != nil {
		s.db.Close()
	}
}
