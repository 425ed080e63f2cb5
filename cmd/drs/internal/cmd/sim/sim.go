// Package sim implements drs sim: the DRS and Login with Amazon emulator
// (package drssim) served on a local address until interrupted.
package sim

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"

	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/amazondrs/drs/drssim"
	"github.com/spf13/cobra"
)

// DefaultAddr is where drs sim listens by default.
const DefaultAddr = "127.0.0.1:8181"

// Options are the inputs of drs sim.
type Options struct {
	Factory *cmdutil.Factory
	Addr    string
	Config  string
}

// NewCmdSim returns the sim command.
func NewCmdSim(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run the DRS and Login with Amazon emulator",
		Long: `Serve the emulator of Dash Replenishment Service and Login with Amazon on
--addr until interrupted (Ctrl+C or SIGTERM). It logs each request to
stderr and prints the address, the line that points drs (and the library)
at it, and the ready-made credentials, device models and slots.

Without --config it serves the defaults: one security profile whose return
URLs include http://127.0.0.1:8182/callback (any loopback port is accepted),
a live model with two slots and a non-live model. --config reads a JSON
file in the shape of drssim.Config; what it leaves out is taken from the
defaults. The control plane is under /_emulator/ (see README.md).`,
		Example: `  drs sim
  drs sim --addr 127.0.0.1:9000 --config emulator.json
  drs sim --json > sim.json &   # the address and credentials as JSON`,
		Args: cmdutil.ExactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.Run(cmd, opts, runF, Run)
		},
	}
	cmd.Flags().StringVar(&opts.Addr, "addr", DefaultAddr, "host:port to listen on")
	cmd.Flags().StringVar(&opts.Config, "config", "", "JSON file with security profiles, device models and customer name")
	return cmd
}

// Info is what drs sim prints when it is ready (the JSON output).
type Info struct {
	// URL is the emulator's base URL.
	URL string `json:"url"`
	// Addr is the host:port clients dial (DRS_EMULATOR_HOST).
	Addr string `json:"addr"`
	// Listen is the address listened on; it differs from Addr when that
	// is a wildcard such as [::]:8181.
	Listen       string                   `json:"listen"`
	Export       string                   `json:"export"`
	Profiles     []drssim.SecurityProfile `json:"profiles"`
	Models       []drssim.DeviceModel     `json:"models"`
	CustomerName string                   `json:"customerName"`
	// SNSTopics are the profiles' SNS topic ARNs, in profile order.
	SNSTopics []string `json:"snsTopics"`
	// SNSHost is the Amazon host SNS messages name in their URLs; a
	// receiver sends its requests to Addr instead, over plain HTTP.
	SNSHost string `json:"snsHost"`
}

// Run serves the emulator until ctx ends.
func Run(ctx context.Context, opts *Options) error {
	f := opts.Factory
	if _, _, err := net.SplitHostPort(opts.Addr); err != nil {
		return cmdutil.FlagErrorf("invalid --addr %q: want host:port, e.g. %s", opts.Addr, DefaultAddr)
	}
	cfg := drssim.DefaultConfig()
	if opts.Config != "" {
		var err error
		if cfg, err = drssim.LoadConfig(opts.Config); err != nil {
			return cmdutil.FlagErrorf("--config: %v", err)
		}
	}
	logger := slog.New(slog.NewTextHandler(f.IO.ErrOut, nil))
	s, err := drssim.New(cfg, drssim.WithLogger(logger))
	if err != nil {
		return err
	}
	if err := s.StartAt(opts.Addr); err != nil {
		return fmt.Errorf("starting the emulator on %s: %w", opts.Addr, err)
	}
	cfg = s.Config()
	addr := dialAddr(s.Addr())
	info := Info{URL: "http://" + addr, Addr: addr, Listen: s.Addr(), Export: exportLine(addr, cfg),
		Profiles: cfg.Profiles, Models: cfg.Models, CustomerName: cfg.CustomerName, SNSHost: snsHost(cfg)}
	for _, p := range cfg.Profiles {
		info.SNSTopics = append(info.SNSTopics, s.SNSTopicARN(p.ClientID))
	}
	if err := f.Print(info, func(w io.Writer) { printInfo(w, info) }); err != nil {
		s.Close()
		return err
	}
	<-ctx.Done()
	logger.Info("shutting down")
	if err := s.Close(); err != nil {
		return fmt.Errorf("stopping the emulator: %w", err)
	}
	if !f.Global.JSON {
		cmdutil.Fprintf(f.IO.Out, "emulator stopped\n")
	}
	return nil
}

// dialAddr turns the address the emulator listens on into one a client can
// dial: a wildcard host (--addr :8181 listens on every interface) becomes
// 127.0.0.1, which a browser and DRS_EMULATOR_HOST can use.
func dialAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return listen
}

// exportLine is the shell line that points drs at the emulator, with the
// credentials too when they are not the defaults drs assumes.
func exportLine(addr string, cfg drssim.Config) string {
	line := "export " + cmdutil.EnvEmulatorHost + "=" + addr
	if len(cfg.Profiles) > 0 {
		p := cfg.Profiles[0]
		if p.ClientID != drssim.DefaultClientID || p.ClientSecret != drssim.DefaultClientSecret {
			line += " " + cmdutil.EnvClientID + "=" + shellQuote(p.ClientID) + " " + cmdutil.EnvClientSecret + "=" + shellQuote(p.ClientSecret)
		}
	}
	return line
}

// snsHost is the Amazon host named in the emulator's SNS messages.
func snsHost(cfg drssim.Config) string {
	region := cfg.SNS.Region
	if region == "" {
		region = drssim.DefaultSNSRegion
	}
	return "sns." + region + ".amazonaws.com"
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/+@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func printInfo(w io.Writer, info Info) {
	if info.Listen != "" && info.Listen != info.Addr {
		cmdutil.Fprintf(w, "drs emulator listening on %s (every interface), at %s\n\n", info.Listen, info.URL)
	} else {
		cmdutil.Fprintf(w, "drs emulator listening on %s\n\n", info.URL)
	}
	cmdutil.Fprintf(w, "Point drs and the library at it:\n\n    %s\n\n", info.Export)
	for i, p := range info.Profiles {
		cmdutil.Fprintf(w, "Security profile %d (emulator credentials, not secret):\n", i+1)
		cmdutil.Fprintf(w, "    client ID:     %s\n    client secret: %s\n", p.ClientID, p.ClientSecret)
		anyPort := ""
		if p.AllowLoopbackAnyPort {
			anyPort = " (any port on loopback)"
		}
		cmdutil.Fprintf(w, "    return URLs:   %s%s\n", strings.Join(p.AllowedReturnURLs, ", "), anyPort)
	}
	cmdutil.Fprintf(w, "\nDevice models (customer %q):\n", info.CustomerName)
	for _, m := range info.Models {
		live := "live"
		if !m.Live {
			live = "non-live: link with --non-live"
		}
		cmdutil.Fprintf(w, "    %s (%s)\n", m.ID, live)
		for _, s := range m.Slots {
			var ps []string
			for _, p := range s.Products {
				ps = append(ps, fmt.Sprintf("%s (%d %s)", p.ASIN, p.Quantity, p.Unit))
			}
			cmdutil.Fprintf(w, "        slot %s: %s\n", s.ID, strings.Join(ps, ", "))
		}
	}
	if len(info.Models) > 0 && len(info.Models[0].Slots) > 0 {
		m := info.Models[0]
		nonLive := ""
		if !m.Live {
			nonLive = " --non-live"
		}
		cmdutil.Fprintf(w, "\nTry, in another shell after the export line:\n")
		cmdutil.Fprintf(w, "    drs login --model %s --serial S1 --test%s\n    drs replenish %s --model %s --serial S1\n", m.ID, nonLive, m.Slots[0].ID, m.ID)
	}
	printSNS(w, info)
	cmdutil.Fprintf(w, "\n")
	cmdutil.Fprintf(w, "Serving until Ctrl+C.\n")
}

// printSNS prints the SNS lines: topics, how to subscribe, the certificate
// and where the Amazon URLs in messages lead.
func printSNS(w io.Writer, info Info) {
	if len(info.SNSTopics) == 0 {
		return
	}
	cmdutil.Fprintf(w, "\nSNS notifications (signed with the emulator's key):\n")
	for i, t := range info.SNSTopics {
		cmdutil.Fprintf(w, "    topic, profile %d: %s\n", i+1, t)
	}
	cmdutil.Fprintf(w, "    subscribe:   curl -XPOST %s/_emulator/sns/subscriptions -d '{\"endpoint\":\"http://127.0.0.1:9000/sns\"}'\n", info.URL)
	cmdutil.Fprintf(w, "    certificate: %s/_emulator/sns/certificate\n", info.URL)
	cmdutil.Fprintf(w, "    messages name https://%s/_emulator/sns/...: send that host to %s over plain HTTP\n", info.SNSHost, info.Addr)
	cmdutil.Fprintf(w, "    deliveries:  %s/_emulator/sns/deliveries\n", info.URL)
}
