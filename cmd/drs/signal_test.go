package main

// The Ctrl+C test runs the real binary (this test binary re-executed as
// drs) and sends it SIGINT while a call waits on the emulator.

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/amazondrs/drs/drssim"
)

// TestMain runs main instead of the tests when DRS_TEST_RUN_MAIN is 1, so
// that tests can start the real command as a process.
func TestMain(m *testing.M) {
	if os.Getenv("DRS_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// startDRS starts drs as a process with env (and nothing of the test's own
// DRS_ environment).
func startDRS(t *testing.T, env map[string]string, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DRS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "DRS_TEST_RUN_MAIN=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &bytes.Buffer{}, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stderr
}

// TestInterrupt: Ctrl+C stops a waiting command with exit status 130 and
// its message on a line of its own; a replenish it stops after the request
// left exits 3, since the order may have been placed.
func TestInterrupt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		endpoint string
		args     []string
		code     int
		want     string
	}{
		{drssim.EndpointDeviceStatus, []string{"device-status", "--serial", "S1"}, 130, "\nerror: interrupted (Ctrl+C) (code 42)\n"},
		{drssim.EndpointReplenish, []string{"replenish", firstSlot(t), "--serial", "S1"}, 3, "\nerror: replenish " + firstSlot(t) + ": the order may have been placed"},
	} {
		t.Run(tc.endpoint, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.link("S1", true)
			if err := e.sim.InjectFault(drssim.Fault{Endpoint: tc.endpoint, Delay: time.Hour}); err != nil {
				t.Fatal(err)
			}
			e.vars["DRS_CONFIG"] = filepath.Join(t.TempDir(), "config.json")
			cmd, stderr := startDRS(t, e.vars, tc.args...)
			for deadline := time.Now().Add(30 * time.Second); e.sim.Requests(tc.endpoint) == 0; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("the request never reached the emulator; stderr:\n%s", stderr)
				}
			}
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tc.code {
				t.Fatalf("exit: %v, want status %d; stderr:\n%s", err, tc.code, stderr)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, stderr)
			}
		})
	}
}
