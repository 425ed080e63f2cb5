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
	"sync"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/amazondrs/drs/store"
)

// flow is one running login: the handler, what it reported, and either a
// loopback server or the pasted lines.
type flow struct {
	opts *Options
	c    *drs.Client
	h    *drs.LoginHandler
	srv  *http.Server
	// lines are the lines read from standard input (paste mode only).
	lines <-chan string

	mu   sync.Mutex
	tok  *drs.Token
	errs []error
	wake chan struct{}
}

func keyOf(c *drs.Client, opts *Options) store.Key {
	return store.Key{ClientID: c.ClientID(), DeviceModel: opts.Model, Serial: opts.Serial}
}

// newFlow creates the handler for redirectURL and starts the login.
func newFlow(opts *Options, c *drs.Client, redirectURL string) (*flow, error) {
	h, err := drs.NewLoginHandler(drs.LoginConfig{RedirectURL: redirectURL})
	if err != nil {
		return nil, err
	}
	fl := &flow{opts: opts, c: c, h: h, wake: make(chan struct{}, 1)}
	d := drs.Device{Model: opts.Model, Serial: opts.Serial, TestDevice: opts.Test, NonLive: opts.NonLive}
	if err := h.Start(c, d, fl.report); err != nil {
		return nil, err
	}
	return fl, nil
}

// report is the handler's onAuthenticated callback. It never blocks.
func (fl *flow) report(err error, tok drs.Token) {
	fl.mu.Lock()
	switch {
	case err == nil:
		fl.tok = &tok
	case len(fl.errs) < 32:
		fl.errs = append(fl.errs, err)
	default:
		fl.errs[len(fl.errs)-1] = err
	}
	fl.mu.Unlock()
	select {
	case fl.wake <- struct{}{}:
	default:
	}
}

// take returns and clears what was reported.
func (fl *flow) take() (*drs.Token, []error) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	tok, errs := fl.tok, fl.errs
	fl.tok, fl.errs = nil, nil
	return tok, errs
}

// running reports whether the login still waits for its return trip: the
// handler refuses a forged or stale state without ending the login.
func (fl *flow) running() bool {
	return fl.h.Running(fl.c)
}

// startListener serves the login route on the loopback address of the
// redirect URL and points the customer at it.
func startListener(ctx context.Context, opts *Options, c *drs.Client) (*flow, error) {
	u := *opts.redirect
	port := u.Port()
	if port == "" {
		port = "80"
	}
	addr := net.JoinHostPort(u.Hostname(), port)
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, &drs.Error{Code: drs.CodeGeneral, Op: "Login",
			Message: "cannot listen on " + addr + " for the login route (is another drs login running? choose another port with --redirect-url)", Err: err}
	}
	if port == "0" {
		u.Host = net.JoinHostPort(u.Hostname(), strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	}
	fl, err := newFlow(opts, c, u.String())
	if err != nil {
		ln.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	mux.Handle(path, fl.h)
	if path != "/" {
		mux.Handle("GET /{$}", http.RedirectHandler(path, http.StatusFound))
	}
	fl.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go fl.srv.Serve(ln)

	w := opts.Factory.IO.ErrOut
	cmdutil.Fprintf(w, "To link %s, open this address in a browser on this machine:\n\n    %s\n\n", deviceText(opts), u.String())
	fl.openBrowser(u.String())
	cmdutil.Fprintf(w, "Waiting for Login with Amazon (up to %s; press Ctrl+C to cancel)...\n", opts.Timeout)
	return fl, nil
}

// startPaste prints the Login with Amazon address and reads the address
// the browser landed on from standard input.
func startPaste(ctx context.Context, opts *Options, c *drs.Client) (*flow, error) {
	fl, err := newFlow(opts, c, opts.RedirectURL)
	if err != nil {
		return nil, err
	}
	authURL, err := fl.h.AuthURL(ctx, c)
	if err != nil {
		return nil, err
	}
	w := opts.Factory.IO.ErrOut
	cmdutil.Fprintf(w, "To link %s, open this address in a browser:\n\n    %s\n\n", deviceText(opts), authURL)
	fl.openBrowser(authURL)
	cmdutil.Fprintf(w, "After you allow, the browser goes to %s?code=... (that page may not load).\n", opts.RedirectURL)
	cmdutil.Fprintf(w, "Copy the whole address from the browser's address bar and paste it here:\n")
	fl.lines = readLines(ctx, opts.Factory.IO.In)
	return fl, nil
}

func deviceText(opts *Options) string {
	s := opts.Model + "/" + opts.Serial
	if opts.Test {
		s += " (test device)"
	}
	return s
}

// openBrowser opens u unless --no-browser; failing to is not an error.
func (fl *flow) openBrowser(u string) {
	f := fl.opts.Factory
	if fl.opts.NoBrowser || f.Browser == nil {
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

// wait returns the tokens once the device is linked, or the error that
// ended the login.
func (fl *flow) wait(ctx context.Context) (drs.Token, error) {
	w := fl.opts.Factory.IO.ErrOut
	for {
		select {
		case <-ctx.Done():
			return drs.Token{}, waitErr(ctx, fl.opts.Timeout)
		case <-fl.wake:
			tok, errs := fl.take()
			if tok != nil {
				return *tok, nil
			}
			if fl.lines != nil || len(errs) == 0 {
				continue // paste mode: Complete's own answer is what counts
			}
			if !fl.running() {
				return drs.Token{}, errs[len(errs)-1]
			}
			for _, err := range errs {
				cmdutil.Fprintf(w, "warning: ignored a visit to the login route: %s\n", strings.TrimPrefix(cmdutil.FormatError(err), "error: "))
			}
		case line, ok := <-fl.lines:
			if !ok && ctx.Err() != nil {
				return drs.Token{}, waitErr(ctx, fl.opts.Timeout)
			}
			if !ok {
				return drs.Token{}, &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: "no address was pasted before the end of input"}
			}
			if tok, done, err := fl.complete(ctx, line); done {
				return tok, err
			}
		}
	}
}

// complete finishes the login from a pasted line; done is false when the
// line did not end the login and another may be pasted.
func (fl *flow) complete(ctx context.Context, line string) (drs.Token, bool, error) {
	line = strings.TrimSpace(line)
	if line == "" {
		return drs.Token{}, false, nil
	}
	if u, err := url.Parse(line); err != nil || (!u.Query().Has("code") && !u.Query().Has("error")) {
		cmdutil.Fprintf(fl.opts.Factory.IO.ErrOut, "That is not the address the browser landed on after Allow: it has no code or error parameter.\nPaste the address again:\n")
		return drs.Token{}, false, nil
	}
	err := fl.h.Complete(ctx, line)
	tok, _ := fl.take()
	switch {
	case err == nil && tok != nil:
		return *tok, true, nil
	case err == nil:
		return drs.Token{}, true, &drs.Error{Code: drs.CodeGeneral, Op: "Login", Message: "the login finished without tokens"}
	case fl.running():
		cmdutil.Fprintf(fl.opts.Factory.IO.ErrOut, "That address did not finish the login: %s\nPaste the address again:\n",
			strings.TrimPrefix(cmdutil.FormatError(err), "error: "))
		return drs.Token{}, false, nil
	}
	return drs.Token{}, true, err
}

// close stops the loopback server, letting the last page be written.
func (fl *flow) close() {
	if fl.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := fl.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fl.srv.Close()
	}
}
