// Command drs links Amazon Dash Replenishment devices with Login with Amazon
// and calls the DRS API for them; drs sim runs the local emulator and drs
// demo runs a device's whole job against it. Run "drs --help" for the
// commands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/amazondrs/drs/cmd/drs/internal/browser"
	"github.com/amazondrs/drs/cmd/drs/internal/cmd/root"
	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/amazondrs/drs/store"
	"github.com/amazondrs/drs/store/storeopen"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run runs drs with args and returns the exit status. SIGINT and SIGTERM
// cancel the command's context (drs sim shuts down, drs login gives up); a
// command they stop exits 130 (SIGINT) or 143 (SIGTERM), and a second
// signal ends the process at once.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		select {
		case sig := <-sigs:
			signal.Stop(sigs) // the next Ctrl+C kills at once
			cancel(cmdutil.SignalCause(sig))
		case <-ctx.Done():
		}
	}()
	return runContext(ctx, newFactory(stdin, stdout, stderr, os.Getenv), args)
}

// newFactory wires the real side effects.
func newFactory(stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) *cmdutil.Factory {
	return &cmdutil.Factory{
		IO:              cmdutil.IOStreams{In: stdin, Out: stdout, ErrOut: stderr},
		Getenv:          getenv,
		Now:             time.Now,
		Browser:         browser.System{Getenv: getenv, LookPath: exec.LookPath},
		UserConfigDir:   os.UserConfigDir,
		StdinIsTerminal: func() bool { return isTerminal(stdin) },
		OpenPlainStore: func(ctx context.Context, spec string) (cmdutil.Store, error) {
			return storeopen.Open(ctx, spec)
		},
		OpenStore: func(ctx context.Context, spec string) (cmdutil.Store, error) {
			var opts []storeopen.Option
			if k := getenv(cmdutil.EnvStoreKey); k != "" {
				key, err := store.ParseEncryptionKey(k)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", cmdutil.EnvStoreKey, err)
				}
				var previous [][]byte
				for i, pk := range strings.Split(getenv(cmdutil.EnvStorePreviousKeys), ",") {
					if pk = strings.TrimSpace(pk); pk == "" {
						continue
					}
					old, err := store.ParseEncryptionKey(pk)
					if err != nil {
						return nil, fmt.Errorf("%s: key %d: %w", cmdutil.EnvStorePreviousKeys, i+1, err)
					}
					previous = append(previous, old)
				}
				opts = append(opts, storeopen.WithEncryptionKey(key, previous...))
			} else if getenv(cmdutil.EnvStorePreviousKeys) != "" {
				return nil, fmt.Errorf("%s is set without %s: previous keys only open tokens while a current key encrypts them", cmdutil.EnvStorePreviousKeys, cmdutil.EnvStoreKey)
			}
			return storeopen.Open(ctx, spec, opts...)
		},
	}
}

// isTerminal reports whether r is a terminal (a character device).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// runContext runs the command tree on f and maps the outcome to an exit
// status, printing any error with [cmdutil.Report]: "error: <message>
// (code N)" and advice, or JSON with --json. Everything written to stderr
// is scrubbed of the store's password, the client secret and the store
// keys, in any form.
func runContext(ctx context.Context, f *cmdutil.Factory, args []string) int {
	f.IO.ErrOut = cmdutil.ScrubWriter(f.IO.ErrOut, f.Secrets)
	cmd := root.NewCmdRoot(f)
	cmd.SetArgs(args)
	failed, err := cmd.ExecuteContextC(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	err = cmdutil.Interrupted(err, context.Cause(ctx))
	err = f.EmulatorHint(err)
	path := ""
	if failed != nil {
		path = failed.CommandPath()
	}
	return cmdutil.Report(f.IO.ErrOut, err, f.Global.JSON || wantsJSON(args), path)
}

// wantsJSON reports whether args ask for --json, for an error that stopped
// the flags from being parsed.
func wantsJSON(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "--json", "--json=true":
			return true
		}
	}
	return false
}
