// Package drssimtest starts a drssim emulator and a [drs.Client] for it in
// two lines, in the spirit of net/http/httptest:
//
//	s, c := drssimtest.Start(t)         // over real loopback HTTP
//	s, c := drssimtest.StartInMemory(t) // over in-memory connections
//
// Both are stopped by t.Cleanup; options choose the emulator's
// configuration and options and add client options. The in-memory pair never opens a socket, so
// it runs inside a testing/synctest bubble, where a goroutine blocked on a
// real socket would keep fake time from moving. It also holds Browser, a
// scripted customer's browser for the login flow.
package drssimtest

import (
	"net/http"
	"testing"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/internal/pipenet"
)

// InMemoryAddr is the address of an emulator started by [StartInMemory].
const InMemoryAddr = "drssim.invalid:80"

// Option configures the emulator or the client that Start and
// StartInMemory return.
type Option func(*setup)

type setup struct {
	cfg    drssim.Config
	server []drssim.Option
	client []drs.Option
}

// WithConfig starts the emulator with cfg instead of
// [drssim.DefaultConfig].
func WithConfig(cfg drssim.Config) Option {
	return func(s *setup) { s.cfg = cfg }
}

// WithServerOptions passes opts to [drssim.New].
func WithServerOptions(opts ...drssim.Option) Option {
	return func(s *setup) { s.server = append(s.server, opts...) }
}

// WithClientOptions passes opts to the client after the ones that point it
// at the emulator, so they may override them (a [drs.WithHTTPClient] given
// to an in-memory pair replaces its in-memory transport).
func WithClientOptions(opts ...drs.Option) Option {
	return func(s *setup) { s.client = append(s.client, opts...) }
}

// Start starts an emulator on a free loopback port and returns it with a
// client for its first security profile (see [drssim.Server.Client]), which
// uses the default HTTP client. The test fails at once if either cannot be
// made; t.Cleanup stops the emulator. Its goroutines block on a real socket,
// so it does not belong in a testing/synctest bubble: use [StartInMemory].
func Start(t testing.TB, opts ...Option) (*drssim.Server, *drs.Client) {
	t.Helper()
	st := newSetup(opts)
	s := newServer(t, st)
	if err := s.Start(); err != nil {
		t.Fatalf("drssimtest: start the emulator: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, newClient(t, s, st, nil)
}

// StartInMemory is [Start] over in-memory connections (net.Pipe) instead of
// a socket. Requests and responses are written and parsed as HTTP/1.1, so
// each side sees header keys as over a real connection: the client receives
// them canonicalised (the emulator's "x-amzn-RequestId" arrives as
// "X-Amzn-Requestid"), bodies are streamed and a dropped connection is an
// error to the client. [drssim.Server.Addr] is [InMemoryAddr], which no
// resolver knows: only the returned client reaches it.
func StartInMemory(t testing.TB, opts ...Option) (*drssim.Server, *drs.Client) {
	t.Helper()
	st := newSetup(opts)
	s := newServer(t, st)
	ln := pipenet.NewListener(InMemoryAddr)
	if err := s.StartListener(ln); err != nil {
		t.Fatalf("drssimtest: start the emulator: %v", err)
	}
	hc := ln.Client()
	hc.Timeout = 30 * time.Second // as the default drs client's
	t.Cleanup(func() {
		_ = s.Close()
		hc.CloseIdleConnections()
	})
	return s, newClient(t, s, st, hc)
}

func newSetup(opts []Option) *setup {
	st := &setup{cfg: drssim.DefaultConfig()}
	for _, o := range opts {
		o(st)
	}
	return st
}

func newServer(t testing.TB, st *setup) *drssim.Server {
	t.Helper()
	s, err := drssim.New(st.cfg, st.server...)
	if err != nil {
		t.Fatalf("drssimtest: drssim.New: %v", err)
	}
	return s
}

func newClient(t testing.TB, s *drssim.Server, st *setup, hc *http.Client) *drs.Client {
	t.Helper()
	opts := st.client
	if hc != nil {
		opts = append([]drs.Option{drs.WithHTTPClient(hc)}, opts...)
	}
	c, err := s.Client(opts...)
	if err != nil {
		t.Fatalf("drssimtest: client: %v", err)
	}
	return c
}
