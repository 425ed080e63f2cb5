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
// cancel the command's context (drs sim shuts down, drs login gives up).
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runContext(ctx, newFactory(stdin, stdout, stderr, os.Getenv), args)
}

// newFactory wires the real side effects.
func newFactory(stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) *cmdutil.Factory {
	return &cmdutil.Factory{
		IO:      cmdutil.IOStreams{In: stdin, Out: stdout, ErrOut: stderr},
		Getenv:  getenv,
		Now:     time.Now,
		Browser: browser.System{Getenv: getenv, LookPath: exec.LookPath},
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

// runContext runs the command tree on f and maps the outcome to an exit
// status, printing any error as "error: <message> (code N)".
func runContext(ctx context.Context, f *cmdutil.Factory, args []string) int {
	cmd := root.NewCmdRoot(f)
	cmd.SetArgs(args)
	failed, err := cmd.ExecuteContextC(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	fmt.Fprintln(f.IO.ErrOut, cmdutil.FormatError(err))
	if cmdutil.IsUsageError(err) {
		fmt.Fprintf(f.IO.ErrOut, "Run '%s --help' for usage.\n", failed.CommandPath())
	}
	return cmdutil.ExitCode(err)
}
