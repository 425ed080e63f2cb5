// Package demo implements drs demo: the main job of a DRS device, run end to
// end against the emulator started in-process, with every step checked.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/amazondrs/drs/drssim"
	"github.com/spf13/cobra"
)

// DefaultSerial is the serial of the demo's test device.
const DefaultSerial = "DEMO-0001"

// Options are the inputs of drs demo.
type Options struct {
	Factory *cmdutil.Factory
	// Timeout bounds the whole demo.
	Timeout time.Duration

	// prepare, when set, is called with the emulator once it runs (tests
	// inject faults with it).
	prepare func(*drssim.Server) error
}

// NewCmdDemo returns the demo command.
func NewCmdDemo(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole device job against an in-process emulator",
		Long: `Run what a DRS device does, end to end, against the emulator started in
this process on loopback; it needs no network, no flags and no configuration.

A scripted browser links a test device through the real login flow (the
agent's login route, the consent page, the return trip that exchanges the
code); then the device replenishes (TEST_ORDER_PLACED), replenishes again
(ORDER_INPROGRESS), cancels the test order, replenishes again, reports slot
and device status, and reads its subscription and the order. Every step is
checked; the exit status is 0 only if each did what it should.`,
		Example: `  drs demo
  drs demo --json`,
		Args: cmdutil.ExactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.Run(cmd, opts, runF, Run)
		},
	}
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", time.Minute, "give up after this long")
	return cmd
}

// Summary is the JSON output of drs demo.
type Summary struct {
	OK       bool   `json:"ok"`
	Emulator string `json:"emulator"`
	Device   Device `json:"device"`
	Steps    []Step `json:"steps"`
	// Passed counts the steps that did what they should; the demo stops at
	// the first that does not.
	Passed int `json:"passed"`
	Total  int `json:"total"`
}

// Device is the device the demo links.
type Device struct {
	ClientID    string `json:"clientId"`
	DeviceModel string `json:"deviceModel"`
	Serial      string `json:"serial"`
	TestDevice  bool   `json:"testDevice"`
}

// Step is one checked step.
type Step struct {
	N    int    `json:"step"`
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	// Values are what the step produced, e.g. detailCode and eventInstanceId.
	Values map[string]string `json:"values,omitempty"`
	// Expected and Got say what went wrong when OK is false.
	Expected string `json:"expected,omitempty"`
	Got      string `json:"got,omitempty"`
	// Code is the seed library's error code when the step failed with one.
	Code int `json:"code,omitempty"`

	keys []string // Values' keys in the order they were set
}

// set records a value of the step.
func (s *Step) set(k, v string) {
	if s.Values == nil {
		s.Values = map[string]string{}
	}
	if _, ok := s.Values[k]; !ok {
		s.keys = append(s.keys, k)
	}
	s.Values[k] = v
}

// mismatch is a step whose outcome was not the expected one.
type mismatch struct{ expected, got string }

func (m *mismatch) Error() string { return "expected " + m.expected + ", got " + m.got }

// expect returns a mismatch unless got == want.
func expect(what, want, got string) error {
	if got == want {
		return nil
	}
	return &mismatch{expected: what + " " + want, got: orNothing(got)}
}

func orNothing(s string) string {
	if s == "" {
		return "nothing"
	}
	return s
}

// Run runs the demo.
func Run(ctx context.Context, opts *Options) error {
	f := opts.Factory
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	var human io.Writer
	if !f.Global.JSON {
		human = f.IO.Out
		cmdutil.Fprintf(human, "drs demo: a test device's whole job, against the emulator in this process\n\n")
	}
	r := newRunner(ctx, f, human)
	r.prepare = opts.prepare
	defer r.close()
	failed := r.run()

	sum := Summary{OK: failed == nil, Emulator: r.emulatorURL(), Device: r.device, Steps: r.steps, Total: len(r.plan())}
	for _, s := range r.steps {
		if s.OK {
			sum.Passed++
		}
	}
	if f.Global.JSON {
		if err := cmdutil.WriteJSON(f.IO.Out, sum); err != nil {
			return err
		}
	} else if failed == nil {
		cmdutil.Fprintf(human, "\n%s All %d steps passed.\n", cmdutil.Check, sum.Total)
	} else {
		cmdutil.Fprintf(human, "\n%s Step %d of %d failed; the demo stopped there.\n", cmdutil.Cross, failed.N, sum.Total)
	}
	if failed == nil {
		return nil
	}
	return &stepError{step: failed, err: r.failure}
}

// stepError is the error drs demo exits with: which step failed and why.
type stepError struct {
	step *Step
	err  error
}

func (e *stepError) Error() string {
	return fmt.Sprintf("demo step %d (%s) failed: %s", e.step.N, e.step.Name, strings.TrimPrefix(e.err.Error(), "drs: "))
}

func (e *stepError) Unwrap() error { return e.err }

// printStep writes one finished step for humans.
func printStep(w io.Writer, s *Step) {
	if w == nil {
		return
	}
	mark := cmdutil.Check
	if !s.OK {
		mark = cmdutil.Cross
	}
	cmdutil.Fprintf(w, "%2d. %s %s\n", s.N, mark, s.Name)
	width := 0
	for _, k := range s.keys {
		width = max(width, len(k))
	}
	for _, k := range s.keys {
		cmdutil.Fprintf(w, "      %-*s  %s\n", width+1, k+":", s.Values[k])
	}
	if !s.OK {
		cmdutil.Fprintf(w, "      expected: %s\n      got:      %s\n", s.Expected, s.Got)
	}
}

// fail fills s from the error that failed it.
func fail(s *Step, err error) {
	s.OK = false
	var m *mismatch
	if errors.As(err, &m) {
		s.Expected, s.Got = m.expected, m.got
		return
	}
	s.Expected = "success"
	s.Got = strings.TrimPrefix(cmdutil.FormatError(err), "error: ")
	var de *drs.Error
	if errors.As(err, &de) {
		s.Code = de.Code
	}
}
