// Package pipenet serves HTTP over in-memory connections (net.Pipe): a
// net.Listener whose connections come from its own dialer, and an
// http.Client that dials it. Requests and responses are still written and
// parsed as HTTP/1.1, so both sides see what a real connection would show
// them (header keys canonicalised when read, streamed bodies, a closed
// connection as an error), but no socket is opened: a test that uses it can
// run in a testing/synctest bubble.
package pipenet

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
)

// addr is a Listener's address.
type addr string

func (addr) Network() string  { return "pipe" }
func (a addr) String() string { return string(a) }

// Listener is a net.Listener whose connections are the server ends of
// net.Pipe pairs made by its DialContext.
type Listener struct {
	addr      addr
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

// NewListener returns a Listener whose Addr is hostport. Choose a host in
// the reserved .invalid domain ("drssim.invalid:80"), so that nothing but
// the Listener's own dialer can reach it.
func NewListener(hostport string) *Listener {
	return &Listener{addr: addr(hostport), conns: make(chan net.Conn), done: make(chan struct{})}
}

// Accept waits for the next dial.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close makes Accept and later dials fail.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return nil
}

// Addr returns the address given to NewListener.
func (l *Listener) Addr() net.Addr { return l.addr }

// DialContext hands the server end of a new pipe to Accept and returns the
// client end, whatever address it is asked for. It fails once the Listener
// is closed or ctx is done.
func (l *Listener) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
	case <-ctx.Done():
	}
	client.Close()
	server.Close()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return nil, errors.New("pipenet: dial: the listener is closed")
}

// Client returns an HTTP client whose every connection is a pipe to l (no
// proxy, no timeout). Close its idle connections when done, or their
// goroutines stay.
func (l *Listener) Client() *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: l.DialContext}}
}
