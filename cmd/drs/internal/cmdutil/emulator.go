package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/amazondrs/drs"
)

// AnnotationNetwork marks a command that calls Amazon or the emulator; the
// root command checks that a configured emulator answers before running
// it.
const AnnotationNetwork = "drs:network"

// emulatorDialTimeout bounds the check that the emulator listens.
const emulatorDialTimeout = 3 * time.Second

// CheckEmulatorHost returns a usage error if --emulator or
// DRS_EMULATOR_HOST is set to anything but host:port: a scheme or a path
// would send the credentials to a host named after them.
func (f *Factory) CheckEmulatorHost() error {
	h := f.EmulatorHost()
	if h == "" {
		return nil
	}
	src := "--emulator"
	if f.flags == nil || !f.flags.Changed("emulator") {
		src = EnvEmulatorHost
	}
	return checkHostPort(src, h)
}

func checkHostPort(src, h string) error {
	const want = "want host:port, such as 127.0.0.1:8181 (the address drs sim prints)"
	if scheme, rest, ok := strings.Cut(h, "://"); ok {
		return FlagErrorf("invalid %s %q: %s, without the scheme: drop %q and give %s", src, h, want, scheme+"://", strings.TrimRight(rest, "/"))
	}
	if strings.ContainsAny(h, "/?#@") {
		return FlagErrorf("invalid %s %q: %s, without a path", src, h, want)
	}
	host, port, err := net.SplitHostPort(h)
	if err != nil || host == "" {
		return FlagErrorf("invalid %s %q: %s", src, h, want)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return FlagErrorf("invalid %s %q: the port must be a number from 1 to 65535; %s", src, h, want)
	}
	return nil
}

// EmulatorUnreachableError says that the emulator the flags name does not
// answer, and how to start it.
type EmulatorUnreachableError struct {
	Host string
	Err  error
}

func (e *EmulatorUnreachableError) Error() string {
	return fmt.Sprintf("cannot reach the emulator at %s: %v", e.Host, e.Err)
}

func (e *EmulatorUnreachableError) Unwrap() error { return e.Err }

// Hint says what to do.
func (e *EmulatorUnreachableError) Hint() string {
	return fmt.Sprintf("Is the emulator running? Start it with 'drs sim --addr %s' (in another terminal), or point --emulator or %s at the address it prints.", e.Host, EnvEmulatorHost)
}

// CheckEmulatorReachable dials the configured emulator, if any, and
// returns an [EmulatorUnreachableError] (code 7) when nothing listens.
func (f *Factory) CheckEmulatorReachable(ctx context.Context) error {
	h := f.EmulatorHost()
	if h == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, emulatorDialTimeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", h)
	if err != nil {
		if ctxErr := context.Cause(ctx); errors.Is(ctxErr, context.Canceled) {
			return ctxErr
		}
		return &EmulatorUnreachableError{Host: h, Err: &drs.Error{Code: drs.CodeCouldNotConnect, Message: dialReason(err)}}
	}
	return c.Close()
}

// dialReason names why a dial failed without the Go error's noise.
func dialReason(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}

// EmulatorHint returns err as an [EmulatorUnreachableError] when an
// emulator is configured and err is a refused connection (code 7), for an
// emulator that stopped after the command started; other errors as they
// are.
func (f *Factory) EmulatorHint(err error) error {
	h := f.EmulatorHost()
	if h == "" || drs.Code(err) != drs.CodeCouldNotConnect || errors.As(err, new(*EmulatorUnreachableError)) {
		return err
	}
	return &EmulatorUnreachableError{Host: h, Err: err}
}
