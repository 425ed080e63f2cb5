package drssim

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is the emulator: an http.Handler serving LWA, DRS and the
// /_emulator/ control plane on one origin, with a helper to serve it on a
// loopback port. Create it with [New]. It is safe for concurrent use.
type Server struct {
	cfg      Config
	profiles map[string]*profile
	models   map[string]*modelInfo
	clock    *clock
	logger   *slog.Logger
	st       *state
	faults   faultBook
	counts   [numEndpoints]atomic.Int64
	reqs     requestLog
	sns      *snsHub
	snsKey   *rsa.PrivateKey // WithSNSSigningKey
	customer string          // directedCustomerId of CustomerName
	mux      *http.ServeMux
	paths    *http.ServeMux // the same paths without methods, to tell 405 from 404

	life    sync.Mutex
	httpSrv *http.Server
	ln      net.Listener
	cancel  context.CancelFunc
}

// Option configures a [Server] in [New].
type Option func(*Server)

// WithLogger makes the Server log each request at Info level to l: method,
// path, status, endpoint and duration, never tokens, codes, secrets or query
// strings. The default discards logs.
func WithLogger(l *slog.Logger) Option {
	return func(s *Server) {
		if l != nil {
			s.logger = l
		}
	}
}

// New returns a Server for cfg. Empty Profiles, Models or CustomerName are
// taken from [DefaultConfig], so New(Config{}) serves the defaults; the
// result must pass [Config.Validate]. The Server keeps a copy of cfg.
func New(cfg Config, opts ...Option) (*Server, error) {
	cfg = cfg.withDefaults().clone()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("drssim: invalid config: %w", err)
	}
	s := &Server{
		cfg:      cfg,
		profiles: map[string]*profile{},
		models:   map[string]*modelInfo{},
		clock:    newClock(time.Time{}),
		logger:   slog.New(slog.DiscardHandler),
		st:       newState(),
	}
	for _, p := range cfg.Profiles {
		s.profiles[p.ClientID] = newProfile(p)
	}
	for _, m := range cfg.Models {
		mi := &modelInfo{DeviceModel: m, slotIndex: map[string]int{}}
		for i, sl := range m.Slots {
			mi.slotIndex[sl.ID] = i
		}
		s.models[m.ID] = mi
	}
	for _, o := range opts {
		o(s)
	}
	if s.snsKey != nil && s.snsKey.N.BitLen() < 2048 {
		return nil, fmt.Errorf("drssim: SNS signing key has %d bits, at least 2048 required", s.snsKey.N.BitLen())
	}
	s.sns = newSNSHub(cfg.SNS, s.snsKey, cfg.Profiles, s.logger)
	s.customer = customerID(cfg.CustomerName)
	s.mux, s.paths = http.NewServeMux(), http.NewServeMux()
	seen := map[string]bool{}
	for _, rt := range s.routes() {
		s.mux.Handle(rt.pattern, s.adapt(rt.endpoint, rt.handle))
		if _, path, ok := strings.Cut(rt.pattern, " "); ok && !seen[path] {
			seen[path] = true
			s.paths.Handle(path, http.NotFoundHandler())
		}
	}
	s.mux.Handle("/", s.adapt(noEndpoint, s.notFound))
	return s, nil
}

// route is one line of the routing table.
type route struct {
	pattern  string // Go 1.22 ServeMux pattern: "METHOD /path/{wildcard}"
	endpoint int    // index into endpointNames, or noEndpoint
	handle   handlerFunc
}

// routes is the emulator's routing table: Amazon's paths, then the control
// plane.
func (s *Server) routes() []route {
	ep := endpointIndex
	return []route{
		{"GET /ap/oa", ep(EndpointAuthorize), s.authorize},
		{"POST /ap/oa/consent", ep(EndpointConsent), s.consent},
		{"POST /auth/o2/token", ep(EndpointToken), s.token},
		{"POST /replenish/{slotId}", ep(EndpointReplenish), s.replenish},
		{"POST /slotStatus/{slotId}", ep(EndpointSlotStatus), s.slotStatus},
		{"POST /deviceStatus", ep(EndpointDeviceStatus), s.deviceStatus},
		{"GET /subscriptionInfo", ep(EndpointSubscriptionInfo), s.subscriptionInfo},
		{"DELETE /registration", ep(EndpointDeregister), s.deregisterV2},
		{"DELETE /deviceModels/{model}/devices/{serial}/registration", ep(EndpointDeregister), s.deregisterV1},
		{"DELETE /testOrders", ep(EndpointCancelTestOrders), s.cancelAllTestOrders},
		{"DELETE /testOrders/slots/{slotId}", ep(EndpointCancelTestOrders), s.cancelSlotTestOrder},
		{"DELETE /testOrders/{slotId}", ep(EndpointCancelTestOrders), s.cancelSlotTestOrder},
		{"GET /getOrderInfo/{eventInstanceId}", ep(EndpointOrderInfo), s.orderInfo},

		{"POST /_emulator/devices", noEndpoint, s.ctlLinkDevice},
		{"GET /_emulator/devices", noEndpoint, s.ctlDevices},
		{"GET /_emulator/orders", noEndpoint, s.ctlOrders},
		{"POST /_emulator/faults", noEndpoint, s.ctlInjectFault},
		{"GET /_emulator/faults", noEndpoint, s.ctlFaults},
		{"DELETE /_emulator/faults", noEndpoint, s.ctlClearFaults},
		{"POST /_emulator/clock", noEndpoint, s.ctlAdvanceClock},
		{"GET /_emulator/clock", noEndpoint, s.ctlClock},
		{"GET /_emulator/requests", noEndpoint, s.ctlRequests},
		{"GET /_emulator/config", noEndpoint, s.ctlConfig},
		{"POST /_emulator/orders/{id}/ship", noEndpoint, s.ctlShipOrder},
		{"POST /_emulator/orders/{id}/cancel", noEndpoint, s.ctlCancelOrder},
		{"POST /_emulator/devices/{model}/{serial}/deregister", noEndpoint, s.ctlDeregister},
		{"POST /_emulator/devices/{model}/{serial}/slots/{slotId}", noEndpoint, s.ctlChangeSlot},
		{"POST /_emulator/sns/subscriptions", noEndpoint, s.ctlSNSSubscribe},
		{"GET /_emulator/sns/subscriptions", noEndpoint, s.ctlSNSSubscriptions},
		{"GET /_emulator/sns/deliveries", noEndpoint, s.ctlSNSDeliveries},
		{"POST /_emulator/sns/faults", noEndpoint, s.ctlSNSInjectFault},
		{"GET /_emulator/sns/faults", noEndpoint, s.ctlSNSFaults},
		{"DELETE /_emulator/sns/faults", noEndpoint, s.ctlSNSClearFaults},
		{"GET " + snsConfirmPath, noEndpoint, s.snsConfirm},
		{"GET " + snsUnsubscribePath, noEndpoint, s.snsUnsubscribe},
		{"GET " + snsCertDir + "{file}", noEndpoint, s.snsCert},
		{"GET /_emulator/sns/certificate", noEndpoint, s.snsCert},
	}
}

// ServeHTTP serves one request: LWA, DRS or control plane. The headers every
// response carries are set first, so that even the router's own answers (a
// redirect to the cleaned path of "/a/../b" or "//b") have them.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.stamp(w.Header())
	s.mux.ServeHTTP(w, r)
}

// notFound answers paths outside the routing table: 405 when the path exists
// with another method, else 404, both as DRS-style JSON.
func (s *Server) notFound(r *http.Request) response {
	if _, pattern := s.paths.Handler(r); pattern != "" && pattern != "/" {
		return messageResponse(http.StatusMethodNotAllowed, nil, "Method "+r.Method+" is not allowed on "+r.URL.Path)
	}
	return messageResponse(http.StatusNotFound, nil, "No such resource: "+r.URL.Path)
}

// Start serves the emulator on a new listener on 127.0.0.1 with a free port,
// like httptest.NewServer. Use [Server.URL] or [Server.Addr] to reach it.
func (s *Server) Start() error { return s.StartAt("127.0.0.1:0") }

// StartAt serves the emulator on addr (host:port) in the background. It
// fails if the Server is already serving.
func (s *Server) StartAt(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("drssim: listen: %w", err)
	}
	if err := s.StartListener(ln); err != nil {
		_ = ln.Close()
		return err
	}
	return nil
}

// StartListener serves the emulator on ln in the background, as
// [Server.StartAt] does on a TCP listener; [Server.Addr] is then ln's
// address and [Server.Close] closes ln. drssimtest uses it to serve over
// in-memory connections. It fails if the Server is already serving.
func (s *Server) StartListener(ln net.Listener) error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.httpSrv != nil {
		return errors.New("drssim: server already started")
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	s.httpSrv, s.ln, s.cancel = srv, ln, cancel
	s.sns.resume()
	go func() { _ = srv.Serve(ln) }()
	return nil
}

// Addr returns the host:port the emulator listens on (the value for
// DRS_EMULATOR_HOST), or "" before Start.
func (s *Server) Addr() string {
	s.life.Lock()
	defer s.life.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// URL returns the emulator's base URL, "http://" and [Server.Addr] without a
// trailing slash, or "" before Start.
func (s *Server) URL() string {
	if a := s.Addr(); a != "" {
		return "http://" + a
	}
	return ""
}

// Close stops serving: it closes the listener and every connection and
// cancels requests in progress (injected delays included). It also stops
// SNS deliveries in progress, dropping (and logging) what is queued, and
// returns only when their goroutines have ended; a handler still running
// when Close returns publishes nothing (its notifications are dropped and
// logged). The Server's state stays readable, and it may be started again,
// which resumes deliveries. Close of a Server that is not serving only
// stops deliveries.
func (s *Server) Close() error {
	s.life.Lock()
	var err error
	if s.httpSrv != nil {
		s.cancel()
		err = s.httpSrv.Close()
		s.httpSrv, s.ln, s.cancel = nil, nil, nil
	}
	s.life.Unlock()
	s.sns.stop()
	return err
}
