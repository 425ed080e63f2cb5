package drs_test

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/amazondrs/drs"
)

// rawH2 serves HTTP/2 over TLS and answers every HEADERS frame with
// RST_STREAM(PROTOCOL_ERROR), counting requests.
func rawH2(t *testing.T, n *atomic.Int32) (addr string, cfg *tls.Config) {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.EnableHTTP2 = true
	srv.StartTLS() // only to get a cert
	cert := srv.TLS.Certificates[0]
	pool := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	srv.Close()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				pre := make([]byte, 24)
				if _, err := io.ReadFull(c, pre); err != nil {
					return
				}
				c.Write([]byte{0, 0, 0, 4, 0, 0, 0, 0, 0}) // SETTINGS
				for {
					h := make([]byte, 9)
					if _, err := io.ReadFull(c, h); err != nil {
						return
					}
					l := int(h[0])<<16 | int(h[1])<<8 | int(h[2])
					p := make([]byte, l)
					if _, err := io.ReadFull(c, p); err != nil {
						return
					}
					switch h[3] {
					case 4:
						if h[4]&1 == 0 {
							c.Write([]byte{0, 0, 0, 4, 1, 0, 0, 0, 0}) // SETTINGS ACK
						}
					case 1: // HEADERS
						n.Add(1)
						c.Write(append([]byte{0, 0, 4, 3, 0}, append(h[5:9], 0, 0, 0, 1)...)) // RST_STREAM PROTOCOL_ERROR
					}
				}
			}(c)
		}
	}()
	return ln.Addr().String(), &tls.Config{RootCAs: pool}
}

// TestHTTP2ResetSendsOnce: Go's HTTP/2 transport resends a request on its
// own after a stream reset when it can replay the body. A reset proves
// nothing about what the server did, so an order request and a single-use
// code must still go out once.
func TestHTTP2ResetSendsOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		call func(c *drs.Client) error
	}{
		{"Replenish", func(c *drs.Client) error { _, err := c.Replenish(t.Context(), "slot"); return err }},
		{"Exchange", func(c *drs.Client) error {
			_, err := c.Exchange(t.Context(), "ANdNAVhyhqirUelHGEHA", "https://example.com/cb")
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			addr, cfg := rawH2(t, &n)
			hc := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true}}
			ep := drs.Endpoints{DRS: "https://" + addr, AuthURL: "https://" + addr + "/auth", TokenURL: "https://" + addr + "/token"}
			c, err := drs.New("id", "secretsecret", drs.WithHTTPClient(hc), drs.WithEndpoints(ep),
				drs.WithRetryPolicy(drs.RetryPolicy{MaxAttempts: 4, AttemptTimeout: 5 * time.Second}))
			if err != nil {
				t.Fatal(err)
			}
			c.SetToken(drs.Token{AccessToken: "Atza|accessaccess", RefreshToken: "Atzr|refreshrefresh", Expiry: time.Now().Add(time.Hour)})
			err = tc.call(c)
			if err == nil {
				t.Fatal("no error from a reset stream")
			}
			if got := n.Load(); got != 1 {
				t.Errorf("%s sent %d requests, want 1 (err: %v)", tc.name, got, err)
			}
			if tc.name == "Replenish" && !errors.Is(err, drs.ErrOutcomeUnknown) {
				t.Errorf("a reset Replenish is not ErrOutcomeUnknown: %v", err)
			}
		})
	}
}

// Test101IsNotRead: a server that answers 101 Switching Protocols and then
// holds the connection open: the body is the raw connection, which no
// deadline bounds, so it is not read. DRS calls and refreshes end with the
// status as their code (the test would hang otherwise).
func Test101IsNotRead(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold); ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				http.ReadRequest(bufio.NewReader(conn))
				io.WriteString(conn, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n")
				<-hold
			}()
		}
	}()
	c, err := drs.New("id", "secretsecret", drs.WithEndpoints(drs.EmulatorEndpoints(ln.Addr().String())),
		drs.WithRetryPolicy(drs.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(drs.Token{AccessToken: "Atza|accessaccess", RefreshToken: "Atzr|refreshrefresh", Expiry: time.Now().Add(time.Hour)})
	_, err = c.Replenish(t.Context(), "s")
	wantCode(t, err, 101)
	if !errors.Is(err, drs.ErrOutcomeUnknown) {
		t.Errorf("a 101 to Replenish is not ErrOutcomeUnknown: %v", err)
	}
	c.SetRefreshToken("Atzr|refreshrefresh") // the next call refreshes
	_, err = c.SubscriptionInfo(t.Context())
	wantCode(t, err, 101)
}
