package main

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/amazondrs/drs/cmd/drs/internal/browser"
	"github.com/amazondrs/drs/drssim"
	"github.com/amazondrs/drs/drssim/drssimtest"
	"github.com/amazondrs/drs/internal/testutil"
	"github.com/amazondrs/drs/store"
	"github.com/amazondrs/drs/store/storeopen"
)

// syncBuffer is a buffer safe for concurrent writes and reads.
type syncBuffer = testutil.SyncBuffer

// waitFor polls buf until re matches, and returns the first submatch (or
// the match).
func waitFor(t *testing.T, buf *syncBuffer, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(buf.String()); m != nil {
			return m[len(m)-1]
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no match for %v in:\n%s", re, buf.String())
	return ""
}

// env is a test's environment: an emulator and a token store of its own.
type env struct {
	t       *testing.T
	sim     *drssim.Server
	vars    map[string]string
	browser *browser.Stub
}

// newEnv starts an emulator and points the environment at it, with a
// token store in a temporary directory.
func newEnv(t *testing.T) *env {
	t.Helper()
	s, _ := drssimtest.Start(t)
	return &env{t: t, sim: s, browser: &browser.Stub{}, vars: map[string]string{
		"DRS_EMULATOR_HOST": s.Addr(),
		"DRS_STORE":         "file:" + filepath.Join(t.TempDir(), "tokens.json"),
		"DRS_CONFIG":        filepath.Join(t.TempDir(), "config.json"),
	}}
}

// result is what one run of the command did.
type result struct {
	code           int
	stdout, stderr string
}

// run runs drs with args and no standard input.
func (e *env) run(args ...string) result {
	return e.runIn(strings.NewReader(""), args...)
}

// runIn runs drs with args and standard input in.
func (e *env) runIn(in io.Reader, args ...string) result {
	var out, errOut syncBuffer
	code := e.runWith(e.t.Context(), in, &out, &errOut, args...)
	return result{code, out.String(), errOut.String()}
}

// runWith runs drs with the given context and streams.
func (e *env) runWith(ctx context.Context, in io.Reader, out, errOut io.Writer, args ...string) int {
	f := newFactory(in, out, errOut, func(k string) string { return e.vars[k] })
	f.Browser = e.browser
	return runContext(ctx, f, args)
}

// link links a device in the emulator without a browser and stores its
// refresh token; it returns the token.
func (e *env) link(serial string, test bool) string {
	e.t.Helper()
	l, err := e.sim.LinkDevice(drssim.LinkRequest{ClientID: drssim.DefaultClientID, DeviceModel: drssim.DefaultModel, Serial: serial, TestDevice: test})
	if err != nil {
		e.t.Fatal(err)
	}
	st := e.store()
	if err := st.Save(e.t.Context(), e.key(serial), l.RefreshToken); err != nil {
		e.t.Fatal(err)
	}
	return l.RefreshToken
}

// Two encryption keys for DRS_STORE_KEY (base64 of 32 bytes each).
const (
	testKeyA = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	testKeyB = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
)

// saveEncrypted replaces serial's stored token with tok encrypted with key
// (base64), as drs stores it when DRS_STORE_KEY is key.
func (e *env) saveEncrypted(key, serial, tok string) {
	e.t.Helper()
	k, err := store.ParseEncryptionKey(key)
	if err != nil {
		e.t.Fatal(err)
	}
	enc, err := store.Encrypt(e.store(), k)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.store().Delete(e.t.Context(), e.key(serial)); err != nil {
		e.t.Fatal(err)
	}
	if err := enc.Save(e.t.Context(), e.key(serial), tok); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) key(serial string) store.Key {
	return store.Key{ClientID: drssim.DefaultClientID, DeviceModel: drssim.DefaultModel, Serial: serial}
}

// store opens the test's token store.
func (e *env) store() storeopen.Store {
	e.t.Helper()
	st, err := storeopen.Open(e.t.Context(), e.vars["DRS_STORE"])
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	return st
}

// stored returns the refresh token stored for serial, "" if none.
func (e *env) stored(serial string) string {
	e.t.Helper()
	tok, _ := e.store().Load(e.t.Context(), e.key(serial))
	return tok
}

// firstSlot is the first slot of the default model.
func firstSlot(t *testing.T) string {
	t.Helper()
	return drssim.DefaultConfig().Models[0].Slots[0].ID
}

// decode unmarshals a command's JSON output.
func decode[T any](t *testing.T, r result) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("stdout is not the JSON expected: %v\n%s\nstderr: %s", err, r.stdout, r.stderr)
	}
	return v
}

// wantCode fails the test unless r exited with code.
func wantCode(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

// wantContains fails the test unless s contains each of subs.
func wantContains(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s does not contain %q:\n%s", what, sub, s)
		}
	}
}

// noSecret fails the test if r printed a token, the client secret or one
// of secrets.
func noSecret(t *testing.T, r result, secrets ...string) {
	t.Helper()
	for _, s := range append(secrets, drssim.DefaultClientSecret, "Atzr|", "Atza|") {
		if s != "" && (strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s)) {
			t.Errorf("output reveals a secret %.12s...", s)
		}
	}
}

// errorLine returns the line of stderr that starts with "error: " (the
// device line and warnings come before it), or "".
func errorLine(stderr string) string {
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "error: ") {
			return l
		}
	}
	return ""
}
