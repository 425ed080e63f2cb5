package serve

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amazondrs/drs/cmd/drs/internal/cmdutil"
	"github.com/amazondrs/drs/internal/testutil"
)

// syncBuffer is a buffer safe for concurrent writes and reads.
type syncBuffer = testutil.SyncBuffer

// execute runs drs serve with args and env, writing stdout to out.
func execute(ctx context.Context, out io.Writer, errOut io.Writer, env map[string]string, args ...string) error {
	f := &cmdutil.Factory{IO: cmdutil.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut},
		Getenv: func(k string) string { return env[k] }}
	cmd := NewCmdServe(f, nil)
	cmd.PersistentFlags().BoolVar(&f.Global.JSON, "json", false, "")
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceUsage = true
	return cmd.ExecuteContext(ctx)
}

func TestSim(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	var errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- execute(ctx, pw, &errOut, nil, "--sim", "--json", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0")
		pw.Close()
	}()
	var info SimInfo
	if err := json.NewDecoder(pr).Decode(&info); err != nil {
		t.Fatalf("reading --sim's JSON: %v; stderr:\n%s", err, errOut.String())
	}
	go io.Copy(io.Discard, pr)
	if info.AdminToken == "" || info.Device.DeviceToken == "" || !strings.HasPrefix(info.Device.LinkURL, info.PublicURL+"/link/") ||
		!strings.HasPrefix(info.EmulatorURL, "http://127.0.0.1:") {
		t.Errorf("--sim printed %+v", info)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", info.PublicURL+"/v1/device", nil)
	req.Header.Set("Authorization", "Bearer "+info.Device.DeviceToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"serial":"`+SimSerial+`"`) {
		t.Errorf("the demo device: %d %s", resp.StatusCode, body)
	}
	want := "curl -s -H 'Authorization: Bearer " + info.Device.DeviceToken + "' " + info.PublicURL + "/v1/device"
	if len(info.Curl) == 0 || info.Curl[0] != want {
		t.Errorf("first curl line %q, want %q", info.Curl, want)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("drs serve --sim after cancel: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(info.Database)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temporary database directory outlived --sim: %v", err)
	}
	logs := errOut.String()
	for _, secret := range []string{info.AdminToken, info.Device.DeviceToken} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds a token:\n%s", logs)
		}
	}
	if !strings.Contains(logs, `"msg":"stopped"`) {
		t.Errorf("no stopped line in the log:\n%s", logs)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := map[string]string{
		EnvAdminToken:           "admin-token-0123456789",
		cmdutil.EnvStoreKey:     "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
		cmdutil.EnvClientID:     "amzn1.application-oa2-client.x",
		cmdutil.EnvClientSecret: "client-secret-hunter2",
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range good {
			m[a] = b
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	sqlite := "sqlite:" + filepath.Join(dir, "fleet.db")
	for _, tt := range []struct {
		name  string
		env   map[string]string
		args  []string
		want  string
		usage bool
	}{
		{"no admin token", with(EnvAdminToken, ""), []string{"--db", sqlite}, "DRS_ADMIN_TOKEN is not set", true},
		{"short admin token", with(EnvAdminToken, "short"), []string{"--db", sqlite}, "too short", true},
		{"no store key", with(cmdutil.EnvStoreKey, ""), []string{"--db", sqlite}, "openssl rand -base64 32", true},
		{"bad store key", with(cmdutil.EnvStoreKey, "hunter2hunter2"), []string{"--db", sqlite}, "DRS_STORE_KEY", true},
		{"bad previous key", with(cmdutil.EnvStorePreviousKeys, "hunter2"), []string{"--db", sqlite}, "key 1", true},
		{"no credentials", with(cmdutil.EnvClientID, ""), []string{"--db", sqlite}, "client", true},
		{"unknown scheme", good, []string{"--db", "mysql://root:hunter2@db/drs"}, `unknown --db scheme "mysql"`, true},
		{"postgres not yet", good, []string{"--db", "postgres://drs:hunter2@127.0.0.1:1/drs"}, "postgres://drs:xxxxx@127.0.0.1:1/drs", false},
		{"DRS_DB", with(EnvDB, "postgres://drs:hunter2@127.0.0.1:1/drs"), nil, "xxxxx", false},
		{"keyword DSN", good, []string{"--db", "host=db password=hun:ter2hunter2"}, "keyword/value", true},
		{"opaque postgres", good, []string{"--db", "postgresql:drs:hunter2@db/drs"}, "must be a URL", true},
		{"SNS topic", good, []string{"--db", sqlite, "--sns-topic-arn", "arn:aws:sns:us-east-1:123456789012:drs"}, "SNS arrives in a later step", true},
		{"SNS topic with --sim", nil, []string{"--sim", "--sns-topic-arn", "arn:aws:sns:us-east-1:123456789012:drs"}, "SNS arrives in a later step", true},
		{"sim with --db", good, []string{"--sim", "--db", sqlite}, "--sim makes its own", true},
		{"public listener", good, []string{"--db", sqlite, "--listen", "0.0.0.0:0"}, "--public-url is required", false},
	} {
		var out, errOut syncBuffer
		err := execute(t.Context(), &out, &errOut, tt.env, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error with %q", tt.name, err, tt.want)
			continue
		}
		if cmdutil.IsUsageError(err) != tt.usage {
			t.Errorf("%s: usage error %v, want %v", tt.name, cmdutil.IsUsageError(err), tt.usage)
		}
		if all := err.Error() + out.String() + errOut.String(); strings.Contains(all, "hunter2") {
			t.Errorf("%s: a secret in the output: %s", tt.name, all)
		}
	}
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "fleet.db")
	var out, errOut syncBuffer
	if err := execute(t.Context(), &out, &errOut, nil, "migrate", "--db", "sqlite:"+path); err != nil {
		t.Fatalf("serve migrate: %v", err)
	}
	if !strings.Contains(out.String(), "schema version 1") {
		t.Errorf("serve migrate printed %q", out.String())
	}
}

// TestSimBannerSaysLinkingIsLater: the link URL --sim prints answers 404
// until the linking step, and the banner says so beside it.
func TestSimBannerSaysLinkingIsLater(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	info := SimInfo{PublicURL: "http://127.0.0.1:1"}
	info.Device.LinkURL = info.PublicURL + "/link/abc"
	printSim(&b, info)
	if want := "Link URL:      http://127.0.0.1:1/link/abc (linking arrives in the next step)\n"; !strings.Contains(b.String(), want) {
		t.Errorf("the banner lacks %q:\n%s", want, b.String())
	}
}
