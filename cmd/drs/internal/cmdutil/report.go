package cmdutil

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/amazondrs/drs"
)

// InterruptedError ends a command that a signal (Ctrl+C, SIGTERM)
// interrupted; its exit status is 128 plus the signal's number.
type InterruptedError struct {
	Signal os.Signal
	// Err is what the command returned when its context ended.
	Err error
}

func (e *InterruptedError) Error() string {
	what := "interrupted (Ctrl+C)"
	if e.Signal == syscall.SIGTERM {
		what = "terminated (SIGTERM)"
	}
	return what
}

// Unwrap returns a code 42 (aborted) [drs.Error] first, then what the
// command returned.
func (e *InterruptedError) Unwrap() []error {
	aborted := &drs.Error{Code: drs.CodeAborted, Message: e.Error()}
	if e.Err == nil {
		return []error{aborted}
	}
	return []error{aborted, e.Err}
}

// ExitCode is 130 for SIGINT, 143 for SIGTERM.
func (e *InterruptedError) ExitCode() int {
	if e.Signal == syscall.SIGTERM {
		return ExitTerminated
	}
	return ExitInterrupted
}

// errSignal is the cause of a context a signal cancelled, as main sets it.
var errSignal = errors.New("signal received")

// SignalCause returns the cause main gives the command's context when sig
// arrives; [Interrupted] recognises it.
func SignalCause(sig os.Signal) error { return &signalCause{sig} }

type signalCause struct{ sig os.Signal }

func (c *signalCause) Error() string { return "received " + c.sig.String() }
func (c *signalCause) Unwrap() error { return errSignal }

// Interrupted returns err as an [InterruptedError] when cause (the
// command context's cause) is a signal, and err otherwise. A replenish
// whose outcome is unknown stays what it is: it must say the order may have
// been placed.
func Interrupted(err, cause error) error {
	var sc *signalCause
	switch {
	case err == nil || !errors.As(cause, &sc):
		return err
	case errors.Is(err, drs.ErrOutcomeUnknown):
		return &signalled{err}
	}
	return &InterruptedError{Signal: sc.sig, Err: err}
}

// signalled is an error a signal caused that keeps its own message and
// exit status (an unknown outcome); [Report] starts it on a new line too.
type signalled struct{ error }

func (s *signalled) Unwrap() error { return s.error }

// Hinter is an error that knows what the user should do next.
type Hinter interface{ Hint() string }

// ErrorJSON is what --json prints to stderr for a failed command.
type ErrorJSON struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail describes the error in [ErrorJSON].
type ErrorDetail struct {
	// Message is the error line without "error: " and the code.
	Message string `json:"message"`
	// Code is the library's error code (drs.Code).
	Code int `json:"code"`
	// ExitStatus is the command's exit status.
	ExitStatus int `json:"exitStatus"`
	// Kind is "usage", "outcome_unknown", "interrupted" or "error".
	Kind string `json:"kind"`
	// Hint says what to do next, when there is advice.
	Hint string `json:"hint,omitempty"`
}

// Report prints err to w, as "error: <message> (code N)" lines followed
// by advice, or as [ErrorJSON] when jsonOut, and returns the exit status.
// usageHint is the command path to name in "Run '... --help' for usage".
func Report(w io.Writer, err error, jsonOut bool, usageHint string) int {
	d := Describe(err)
	if jsonOut {
		_ = WriteJSON(w, ErrorJSON{d})
		return d.ExitStatus
	}
	if d.Kind == "interrupted" || errors.As(err, new(*signalled)) {
		fmt.Fprintln(w) // leave the line the terminal echoed ^C on
	}
	fmt.Fprintln(w, FormatError(err))
	if d.Hint != "" {
		fmt.Fprintln(w, d.Hint)
	}
	if d.Kind == "usage" && usageHint != "" {
		fmt.Fprintf(w, "Run '%s --help' for usage.\n", usageHint)
	}
	return d.ExitStatus
}

// Describe returns what [Report] prints about err.
func Describe(err error) ErrorDetail {
	d := ErrorDetail{Message: errorMessage(err), Code: drs.Code(err), ExitStatus: ExitCode(err), Kind: "error"}
	var h Hinter
	if errors.As(err, &h) {
		d.Hint = h.Hint()
	}
	var ie *InterruptedError
	switch {
	case errors.Is(err, drs.ErrOutcomeUnknown):
		d.Kind = "outcome_unknown"
		if d.Hint == "" {
			d.Hint = outcomeUnknownHint("", "")
		}
	case errors.As(err, &ie):
		d.Kind = "interrupted"
	case IsUsageError(err):
		d.Kind = "usage"
	}
	return d
}
