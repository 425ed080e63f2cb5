package drssimtest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// pipeAddr is the address of the in-memory emulator: a host in the reserved
// .invalid domain, so nothing but the pipe dialer can reach it.
type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "drssim.invalid:80" }

// pipeListener is a net.Listener whose connections are the server ends of
// net.Pipe pairs made by its dial.
type pipeListener struct {
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

// Accept waits for the next dial.
func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close makes Accept and later dials fail.
func (l *pipeListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return nil
}

// Addr returns the listener's name.
func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

// dial hands the server end of a new pipe to Accept and returns the client
// end, whatever address it is asked for.
func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
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
	return nil, errors.New("drssimtest: dial: the in-memory emulator is closed")
}

// client returns an HTTP client whose every connection is a pipe to l. Its
// timeout matches the default drs client's.
func (l *pipeListener) client() *http.Client {
	return &http.Client{
		Transport: &http.Transport{DialContext: l.dial},
		Timeout:   30 * time.Second,
	}
}
