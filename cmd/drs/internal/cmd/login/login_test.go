package login

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
)

func TestNewCmdLogin(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want Options
		err  bool
	}{
		{[]string{"--model", "M", "--serial", "S"}, Options{Model: "M", Serial: "S", RedirectURL: DefaultRedirectURL, Timeout: 5 * time.Minute}, false},
		{[]string{"--model", "M", "--serial", "S", "--test", "--non-live", "--no-browser", "--timeout", "1m", "--redirect-url", "http://localhost:9/cb"},
			Options{Model: "M", Serial: "S", Test: true, NonLive: true, NoBrowser: true, RedirectURL: "http://localhost:9/cb", Timeout: time.Minute}, false},
		{[]string{"--model", "M", "--serial", "S", "--redirect-url", "http://[::1]:9/cb"}, Options{Model: "M", Serial: "S", RedirectURL: "http://[::1]:9/cb", Timeout: 5 * time.Minute}, false},
		{[]string{"--model", "M", "--serial", "S", "--paste", "--redirect-url", "https://example.com/cb"},
			Options{Model: "M", Serial: "S", Paste: true, RedirectURL: "https://example.com/cb", Timeout: 5 * time.Minute}, false},
		{[]string{"--model", "M", "--serial", "S", "--redirect-url", "http://192.168.1.2:8182/cb"}, Options{}, true},
		{[]string{"--model", "M"}, Options{}, true},
	} {
		f := &cmdutil.Factory{}
		root := &cobra.Command{Use: "drs", SilenceErrors: true, SilenceUsage: true}
		f.AddGlobalFlags(root.PersistentFlags())
		var got *Options
		root.AddCommand(NewCmdLogin(f, func(_ context.Context, o *Options) error { got = o; return nil }))
		root.SetArgs(append([]string{"login"}, tc.args...))
		root.SetOut(io.Discard)
		root.SetErr(io.Discard)
		err := root.Execute()
		if tc.err {
			if cmdutil.ExitCode(err) != 2 {
				t.Errorf("%v: err = %v, want a usage error", tc.args, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		got.Factory, got.redirect = nil, nil
		if *got != tc.want {
			t.Errorf("%v: Options = %+v, want %+v", tc.args, *got, tc.want)
		}
	}
}
