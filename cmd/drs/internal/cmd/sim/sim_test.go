package sim

import (
	"bytes"
	"strings"
	"testing"

	"github.com/amazondrs/drs/drssim"
)

func TestDialAddr(t *testing.T) {
	t.Parallel()
	for listen, want := range map[string]string{
		"127.0.0.1:8181": "127.0.0.1:8181",
		"[::1]:8181":     "[::1]:8181",
		"[::]:8181":      "127.0.0.1:8181",
		"0.0.0.0:8181":   "127.0.0.1:8181",
		":8181":          "127.0.0.1:8181",
		"localhost:9":    "localhost:9",
	} {
		if got := dialAddr(listen); got != want {
			t.Errorf("dialAddr(%q) = %q, want %q", listen, got, want)
		}
	}
}

func TestPrintInfoHints(t *testing.T) {
	t.Parallel()
	cfg := drssim.DefaultConfig()
	for _, tt := range []struct {
		name   string
		models []drssim.DeviceModel
		listen string
		want   []string
		not    []string
	}{
		{"defaults", cfg.Models, "127.0.0.1:8181",
			[]string{"listening on http://127.0.0.1:8181\n", "drs login --model CoffeeMaker01 --serial S1 --test\n",
				"topic, profile 1: arn:aws:sns:us-east-1:123456789012:drs-x\n", "curl -XPOST http://127.0.0.1:8181/_emulator/sns/subscriptions",
				"messages name https://sns.us-east-1.amazonaws.com/_emulator/sns/...: send that host to 127.0.0.1:8181 over plain HTTP\n"},
			[]string{"every interface"}},
		{"non-live first", []drssim.DeviceModel{cfg.Models[1]}, "[::]:8181",
			[]string{"listening on [::]:8181 (every interface), at http://127.0.0.1:8181\n", "drs login --model CoffeeMaker02-beta --serial S1 --test --non-live\n"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			addr := dialAddr(tt.listen)
			printInfo(&buf, Info{URL: "http://" + addr, Addr: addr, Listen: tt.listen, Export: exportLine(addr, cfg),
				Profiles: cfg.Profiles, Models: tt.models, CustomerName: cfg.CustomerName,
				SNSTopics: []string{"arn:aws:sns:us-east-1:123456789012:drs-x"}, SNSHost: snsHost(cfg)})
			for _, w := range tt.want {
				if !strings.Contains(buf.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, buf.String())
				}
			}
			for _, n := range tt.not {
				if strings.Contains(buf.String(), n) {
					t.Errorf("output has %q:\n%s", n, buf.String())
				}
			}
		})
	}
}
