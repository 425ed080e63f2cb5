package cmdutil

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/store"
	"github.com/amazondrs/drs/store/filestore"
)

// Exit statuses of the drs command.
const (
	ExitOK    = 0 // success
	ExitError = 1 // an API or runtime error
	ExitUsage = 2 // a usage error: bad flag, missing argument, missing configuration
	// ExitOutcomeUnknown: a replenish ended without an answer after its
	// request may have reached DRS (drs.ErrOutcomeUnknown), so an order may
	// have been placed. It wins over an interrupt: check before ordering
	// again.
	ExitOutcomeUnknown = 3
	ExitInterrupted    = 130 // SIGINT (Ctrl+C) ended the command: 128 + 2
	ExitTerminated     = 143 // SIGTERM ended the command: 128 + 15
)

// FlagError is a usage error (bad flag, wrong number of arguments, missing
// configuration); the command exits with status 2.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf returns a FlagError with a formatted message.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// cobraUsage are the starts of cobra's own usage errors, which are plain
// errors: unknown (sub)command, required or mutually exclusive flags.
var cobraUsage = []string{"unknown command ", "required flag(s) ", "if any flags in the group ", "at least one of the flags in the group "}

// IsUsageError reports whether err is a usage error: a FlagError or one of
// cobra's own usage errors (unknown command, required flags).
func IsUsageError(err error) bool {
	var fe *FlagError
	if errors.As(err, &fe) {
		return true
	}
	for _, p := range cobraUsage {
		if strings.HasPrefix(err.Error(), p) {
			return true
		}
	}
	return false
}

// ExitCode maps err to the command's exit status.
func ExitCode(err error) int {
	var interrupted *InterruptedError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, drs.ErrOutcomeUnknown):
		return ExitOutcomeUnknown
	case errors.As(err, &interrupted):
		return interrupted.ExitCode()
	case IsUsageError(err):
		return ExitUsage
	}
	return ExitError
}

// FormatError returns the one line printed to stderr for err:
// "error: <message> (code N)", N being the seed library's error code
// (drs.Code), the message formatted from a *drs.Error's fields
// (drs.Error.Detail). Nothing in it is a token or a secret: *drs.Error never
// holds one, and the command's own errors never quote one.
func FormatError(err error) string {
	return "error: " + errorMessage(err) + " (code " + strconv.Itoa(drs.Code(err)) + ")"
}

// errorMessage is FormatError's message: a *drs.Error's Detail and request
// ID, with LWA's error fields when the Detail does not show them.
func errorMessage(err error) string {
	msg := err.Error()
	var e *drs.Error
	if errors.As(err, &e) {
		// The *drs.Error's own text, wherever a wrapper quotes it, becomes
		// its Detail: the code is printed once, at the end.
		d := e.Detail()
		if e.RequestID != "" {
			d += " [request id " + e.RequestID + "]"
		}
		msg = strings.Replace(msg, e.Error(), d, 1)
	}
	if errors.As(err, &e) && e.OAuthError != "" && !strings.Contains(msg, e.OAuthError) {
		msg += " (" + e.OAuthError
		if e.OAuthErrorDescription != "" && !strings.Contains(msg, e.OAuthErrorDescription) {
			msg += ": " + e.OAuthErrorDescription
		}
		msg += ")"
	}
	return msg
}

// NotAuthenticated returns a code 1000 error: the device has no usable
// refresh token.
func NotAuthenticated(msg string) error {
	return &drs.Error{Code: drs.CodeNotAuthenticated, Message: msg}
}

// ExactArgs is cobra.ExactArgs returning a FlagError that names the
// arguments, e.g. ExactArgs(1, "SLOT").
func ExactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == len(names) {
			return nil
		}
		if len(args) < len(names) {
			return FlagErrorf("missing argument %s", strings.Join(names[len(args):], " "))
		}
		return FlagErrorf("too many arguments: %s takes %s", cmd.CommandPath(), argsText(names))
	}
}

// MaxArgs is cobra.MaximumNArgs returning a FlagError.
func MaxArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > len(names) {
			return FlagErrorf("too many arguments: %s takes at most %s", cmd.CommandPath(), argsText(names))
		}
		return nil
	}
}

func argsText(names []string) string {
	if len(names) == 0 {
		return "no arguments"
	}
	return strings.Join(names, " ")
}

// StoreReadError wraps an error reading the token store, with advice when
// the record itself is the problem: no login can replace a record the store
// cannot read, so it says how to get past it.
func StoreReadError(err error) error {
	msg := "reading the token store"
	switch {
	case errors.Is(err, store.ErrPlaintext):
		msg += " (the stored token is not encrypted: drs token reencrypt encrypts it in place with " + EnvStoreKey + ", or run without " + EnvStoreKey + ")"
	case errors.Is(err, store.ErrDecrypt):
		msg += " (check " + EnvStoreKey + ", and after a key change list the old key in " + EnvStorePreviousKeys + "; if the token is lost, drs token delete removes it, then link the device again)"
	case errors.Is(err, filestore.ErrCorruptEntry):
		msg += " (drs token delete removes the damaged entry, then link the device again)"
	}
	return &drs.Error{Code: drs.CodeGeneral, Message: msg, Err: err}
}
