package cmdutil

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/amazondrs/drs"
	"github.com/google/go-cmp/cmp"
)

// outcomeUnknown is a Replenish error as the library returns it after a
// lost reply.
func outcomeUnknown(t *testing.T) error {
	t.Helper()
	err := &drs.Error{Code: drs.CodeEmptyReply, Op: "Replenish", Message: "empty reply from server", OutcomeUnknown: true}
	if !errors.Is(err, drs.ErrOutcomeUnknown) {
		t.Fatal("the library's OutcomeUnknown no longer makes ErrOutcomeUnknown hold")
	}
	return err
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	ou := &OutcomeUnknownError{SlotID: "s1", Err: outcomeUnknown(t)}
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{errors.New("boom"), ExitError},
		{FlagErrorf("bad"), ExitUsage},
		{errors.New(`required flag(s) "x" not set`), ExitUsage},
		{ou, ExitOutcomeUnknown},
		{outcomeUnknown(t), ExitOutcomeUnknown},
		{Interrupted(errors.New("context canceled"), SignalCause(syscall.SIGINT)), ExitInterrupted},
		{Interrupted(errors.New("context canceled"), SignalCause(syscall.SIGTERM)), ExitTerminated},
		{Interrupted(ou, SignalCause(syscall.SIGINT)), ExitOutcomeUnknown},          // may have ordered: say so
		{Interrupted(errors.New("x"), context.Canceled), ExitError},                 // not a signal
		{Interrupted(FlagErrorf("bad"), nil), ExitUsage},                            // no cause
		{fmt.Errorf("wrapped: %w", &InterruptedError{Signal: syscall.SIGINT}), 130}, // through wrapping
	} {
		if got := ExitCode(tc.err); got != tc.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

func TestReport(t *testing.T) {
	t.Parallel()
	ou := &OutcomeUnknownError{SlotID: "slot-1", Device: "--model M --serial S", Err: outcomeUnknown(t)}
	for _, tc := range []struct {
		name      string
		err       error
		json      bool
		wantLines []string // human: each must appear, in order
		wantJSON  ErrorDetail
	}{
		{name: "usage", err: FlagErrorf("missing argument SLOT"),
			wantLines: []string{"error: missing argument SLOT (code 1010)", "Run 'drs replenish --help' for usage."}},
		{name: "usage json", err: FlagErrorf("missing argument SLOT"), json: true,
			wantJSON: ErrorDetail{Message: "missing argument SLOT", Code: 1010, ExitStatus: 2, Kind: "usage"}},
		{name: "outcome unknown", err: ou,
			wantLines: []string{"error: replenish slot-1: the order may have been placed: Replenish: empty reply from server (code 52)",
				"an order may have been placed", "drs subscription-info --model M --serial S", "drs order-info ORDER_ID --model M --serial S", "drs replenish slot-1"}},
		{name: "outcome unknown json", err: ou, json: true,
			wantJSON: ErrorDetail{Message: "replenish slot-1: the order may have been placed: Replenish: empty reply from server", Code: 52, ExitStatus: 3,
				Kind: "outcome_unknown", Hint: ou.Hint()}},
		{name: "interrupted", err: Interrupted(&drs.Error{Code: drs.CodeTimeout, Message: "context canceled"}, SignalCause(syscall.SIGINT)),
			wantLines: []string{"", "error: interrupted (Ctrl+C) (code 42)"}},
		{name: "interrupted json", err: Interrupted(errors.New("context canceled"), SignalCause(syscall.SIGINT)), json: true,
			wantJSON: ErrorDetail{Message: "interrupted (Ctrl+C)", Code: 42, ExitStatus: 130, Kind: "interrupted"}},
		{name: "interrupted outcome unknown", err: Interrupted(ou, SignalCause(syscall.SIGINT)),
			wantLines: []string{"", "error: replenish slot-1: the order may have been placed", "drs order-info"}},
		{name: "unreachable", err: &EmulatorUnreachableError{Host: "127.0.0.1:9", Err: &drs.Error{Code: 7, Message: "connect: connection refused"}},
			wantLines: []string{"error: cannot reach the emulator at 127.0.0.1:9: connect: connection refused (code 7)", "Start it with 'drs sim --addr 127.0.0.1:9'"}},
	} {
		var b strings.Builder
		code := Report(&b, tc.err, tc.json, "drs replenish")
		if code != ExitCode(tc.err) {
			t.Errorf("%s: Report returned %d, ExitCode %d", tc.name, code, ExitCode(tc.err))
		}
		if tc.json {
			var got ErrorJSON
			if err := json.Unmarshal([]byte(b.String()), &got); err != nil {
				t.Fatalf("%s: not JSON: %v\n%s", tc.name, err, b.String())
			}
			if diff := cmp.Diff(tc.wantJSON, got.Error); diff != "" {
				t.Errorf("%s: JSON (-want +got):\n%s", tc.name, diff)
			}
			continue
		}
		rest := b.String()
		for _, l := range tc.wantLines {
			i := strings.Index(rest, l)
			if i < 0 {
				t.Errorf("%s: output lacks %q (in order):\n%s", tc.name, l, b.String())
				break
			}
			rest = rest[i+len(l):]
		}
		if strings.HasPrefix(tc.name, "interrupted") && !strings.HasPrefix(b.String(), "\nerror: ") {
			t.Errorf("%s: the message does not start on a line of its own: %q", tc.name, b.String())
		}
	}
}
