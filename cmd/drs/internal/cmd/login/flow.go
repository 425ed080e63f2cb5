package login

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	drslogin "github.com/amazondrs/drs/login"
)

func deviceOf(opts *Options) drs.Device {
	return drs.Device{Model: opts.Model, Serial: opts.Serial, TestDevice: opts.Test, NonLive: opts.NonLive}
}

// link runs the login: the route on loopback listeners, or the paste flow.
func link(ctx context.Context, opts *Options, c *drs.Client) (drs.Token, error) {
	if opts.Paste {
		return paste(ctx, opts, c)
	}
	u := *opts.redirect
	lns, err := listen(ctx, &u)
	if err != nil {
		return drs.Token{}, err
	}
	h, err := drslogin.New(drslogin.Config{RedirectURL: u.String()})
	if err != nil {
		closeAll(lns)
		return drs.Token{}, err
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	mux := http.NewServeMux()
	mux.Handle(path, h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	for _, ln := range lns {
		go srv.Serve(ln)
	}
	defer shutdown(srv)
	w := opts.Factory.IO.ErrOut
	// A refused visit (forged, replayed or expired state) does not end the
	// login: say so, and keep waiting.
	link, err := h.Start(c, deviceOf(opts), func(err error, _ drs.Token) {
		if err != nil && h.Running(c) {
			cmdutil.Fprintf(w, "warning: ignored a visit to the login route: %s\n", strings.TrimPrefix(cmdutil.FormatError(err), "error: "))
		}
	})
	if err != nil {
		return drs.Token{}, err
	}
	defer h.Cancel(c)
	cmdutil.Fprintf(w, "To link %s, open this address in a browser on this machine:\n\n    %s\n\n", deviceText(opts), link)
	openBrowser(opts, link)
	cmdutil.Fprintf(w, "Waiting for Login with Amazon (up to %s; press Ctrl+C to cancel)...\n", opts.Timeout)
	return h.Wait(ctx, c)
}

// listen opens the listeners of the return URL u, fixing u's port when it
// is 0. For localhost it listens on both loopback families, since a browser
// may resolve localhost to either: 127.0.0.1 alone only where [::1] is not
// configured; if [::1] is taken (another process would receive the
// customer's code) it refuses, with advice.
func listen(ctx context.Context, u *url.URL) ([]net.Listener, error) {
	port := u.Port()
	if port == "" {
		port = "80"
	}
	host := u.Hostname()
	lc := &net.ListenConfig{}
	if !strings.EqualFold(host, "localhost") {
		ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(host, port))
		if err != nil {
			return nil, listenErr(net.JoinHostPort(host, port), err)
		}
		if port == "0" {
			u.Host = net.JoinHostPort(host, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
		}
		return []net.Listener{ln}, nil
	}
	v4, err := lc.Listen(ctx, "tcp4", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return nil, listenErr(net.JoinHostPort("127.0.0.1", port), err)
	}
	port = strconv.Itoa(v4.Addr().(*net.TCPAddr).Port)
	u.Host = net.JoinHostPort(u.Hostname(), port)
	v6, err := lc.Listen(ctx, "tcp6", net.JoinHostPort("::1", port))
	switch {
	case err == nil:
		return []net.Listener{v4, v6}, nil
	case errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.EAFNOSUPPORT) || errors.Is(err, syscall.EPROTONOSUPPORT):
		return []net.Listener{v4}, nil // no IPv6 loopback here: browsers cannot reach [::1] either
	}
	v4.Close()
	return nil, &drs.Error{Code: drs.CodeGeneral, Op: "Login",
		Message: "cannot listen on [::1]:" + port + " for the localhost return URL (another process may be listening there and would receive the customer's code); use --redirect-url http://127.0.0.1:" + port + u.EscapedPath() + " (an Allowed Return URL) instead", Err: err}
}

func listenErr(addr string, err error) error {
	return &drs.Error{Code: drs.CodeGeneral, Op: "Login",
		Message: "cannot listen on " + addr + " for the login route (is another drs login running? choose another port with --redirect-url)", Err: err}
}

func closeAll(lns []net.Listener) {
	for _, ln := range lns {
		ln.Close()
	}
}

// paste prints the Login with Amazon address and finishes the login from
// the address the customer pastes.
func paste(ctx context.Context, opts *Options, c *drs.Client) (drs.Token, error) {
	h, err := drslogin.New(drslogin.Config{RedirectURL: opts.RedirectURL})
	if err != nil {
		return drs.Token{}, err
	}
	if _, err := h.Start(c, deviceOf(opts), nil); err != nil {
		return drs.Token{}, err
	}
	defer h.Cancel(c)
	authURL, err := h.AuthURL(ctx, c)
	if err != nil {
		return drs.Token{}, err
	}
	w := opts.Factory.IO.ErrOut
	cmdutil.Fprintf(w, "To link %s, open this address in a browser:\n\n    %s\n\n", deviceText(opts), authURL)
	openBrowser(opts, authURL)
	cmdutil.Fprintf(w, "After you allow, the browser goes to %s?code=... (that page may not load).\n", opts.RedirectURL)
	cmdutil.Fprintf(w, "Copy the whole address from the browser's address bar and paste it here:\n")
	lines := readLines(ctx, opts.Factory.IO.In)
	for {
		select {
		case <-ctx.Done():
			return drs.Token{}, ctx.Err()
		case line, ok := <-lines:
			if !ok {
				if ctx.Err() != nil {
					return drs.Token{}, ctx.Err()
				}
				return drs.Token{}, &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: "no address was pasted before the end of input"}
			}
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			if u, err := url.Parse(line); err != nil || (!u.Query().Has("code") && !u.Query().Has("error")) {
				cmdutil.Fprintf(w, "That is not the address the browser landed on after Allow: it has no code or error parameter.\nPaste the address again:\n")
				continue
			}
			tok, err := h.Complete(ctx, c, line)
			if err != nil && h.Running(c) {
				cmdutil.Fprintf(w, "That address did not finish the login: %s\nPaste the address again:\n",
					strings.TrimPrefix(cmdutil.FormatError(err), "error: "))
				continue
			}
			return tok, err
		}
	}
}

func deviceText(opts *Options) string {
	s := opts.Model + "/" + opts.Serial
	if opts.Test {
		s += " (test device)"
	}
	return s
}

// openBrowser opens u unless --no-browser; failing to is not an error.
func openBrowser(opts *Options, u string) {
	f := opts.Factory
	if opts.NoBrowser || f.Browser == nil {
		return
	}
	if err := f.Browser.Open(u); err == nil {
		cmdutil.Fprintf(f.IO.ErrOut, "Opened your browser.\n")
	}
}

// readLines sends the lines of r, then closes the channel at the end of
// input. Once ctx ends it stops sending; the reader goroutine may still wait
// in a Read of r that never returns (a terminal), until the process exits.
func readLines(ctx context.Context, r io.Reader) <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		if r == nil {
			return
		}
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 64<<10)
		for sc.Scan() {
			select {
			case ch <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

// shutdown stops the loopback server, letting the last page be written.
func shutdown(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		srv.Close()
	}
}
