package filestore

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amazondrs/drs/store"
)

// FuzzFileContents writes arbitrary bytes as the token file and drives the
// Store over it. Every call must either fail with an error wrapping
// ErrCorrupt (and then no Save or state change may touch the file), or work
// on what the file decodes to: a Save adds its token and keeps every other
// entry as it was, except that a Save over an entry for its key that cannot
// be read fails with ErrCorrupt and leaves the file alone (Delete removes
// it). No error may quote the file's content.
func FuzzFileContents(f *testing.F) {
	k := store.Key{ClientID: "amzn1.application-oa2-client.fuzz", DeviceModel: "model", Serial: "SN-1"}
	for _, s := range []string{
		``, "  \n", `{}`, `null`, `[]`, `{"version":1}`,
		`{"version":1,"tokens":{}}`,
		`{"version":1,"tokens":{"amzn1.application-oa2-client.fuzz/model/SN-1":{"client_id":"amzn1.application-oa2-client.fuzz","device_model":"model","serial":"SN-1","refresh_token":"Atzr|x","updated_at":"2026-01-01T00:00:00Z"}}}`,
		`{"version":1,"tokens":{"amzn1.application-oa2-client.fuzz/model/SN-1":{"client_id":"amzn1.application-oa2-client.fuzz","device_model":"model","serial":"SN-1","refresh_token":""}}}`,
		`{"version":1,"tokens":{"c/m/s":{"client_id":"c","device_model":"m","serial":"s","refresh_token":"Atzr|other","updated_at":"2026-01-01T00:00:00+05:30"}},"states":{"st":{"client_id":"c","device_model":"m","serial":"s","redirect_url":"https://x/cb","expires":"2099-01-01T00:00:00Z"}}}`,
		`{"version":1,"tokens":{"x":null,"y":{"refresh_token":12345678901234567890}}}`,
		`{"version":2,"tokens":{}}`,
		`{"version":-1,"tokens":{}}`,
		`{"version":123456789012345678901234567890}`,
		`{"version":1,"tokens":{"a":{"updated_at":"0000-01-01T00:00:00+01:00"}}}`,
		`{"version":1,"tokens":{"a":{"updated_at":"9999-12-31T23:59:59-01:00"}}}`,
		`{"version":1,"tokens":{"a":{"refresh_token":"\xff\xfe"}}}`,
		`{"version":1,"tokens":[]}`,
		`{"version":1,"tokens":{}}trailing`,
		`{"version":1,"tokens":{},"tokens":{"b":{}}}`,
		"\xef\xbb\xbf{\"version\":1}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		path := filepath.Join(fzTempDir(t), "tokens.json")
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		ctx := t.Context()
		before, derr := readFile(path)
		if derr != nil {
			// A file of a newer format names its version, on purpose.
			own := path + " " + strconv.Itoa(before.Version)
			if !errors.Is(derr, ErrCorrupt) {
				t.Fatalf("decode error %v does not wrap ErrCorrupt", derr)
			}
			fzNoQuote(t, derr, content, own)
			_, lerr := s.Load(ctx, k)
			serr := s.Save(ctx, k, "Atzr|fuzz-new")
			derr := s.Delete(ctx, k)
			perr := s.PutState(ctx, "state-1", store.LoginState{Key: k, Expires: time.Now().Add(time.Hour)})
			_, terr := s.TakeState(ctx, "state-1", time.Now())
			for _, err := range []error{lerr, serr, derr, perr, terr} {
				if !errors.Is(err, ErrCorrupt) || errors.Is(err, ErrCorruptEntry) {
					t.Fatalf("call on a corrupt file: %v, want ErrCorrupt and not ErrCorruptEntry", err)
				}
				fzNoQuote(t, err, content, own)
			}
			if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, content) {
				t.Fatalf("a corrupt file was rewritten: %q -> %q (%v)", content, got, err)
			}
			return
		}
		if before.Version < 1 || before.Version > formatVersion || before.Tokens == nil || before.States == nil {
			t.Fatalf("decoded %+v", before)
		}
		rt, lerr := s.Load(ctx, k)
		e, has := before.Tokens[mapKey(k)]
		unreadable := has && (e.key() != k || e.RefreshToken == "")
		switch {
		case has && !unreadable:
			if lerr != nil || rt != e.RefreshToken {
				t.Fatalf("Load = %q, %v; the file holds %q", rt, lerr, e.RefreshToken)
			}
		case lerr == nil:
			t.Fatalf("Load = %q, but the file holds no token for %s", rt, k)
		case unreadable != errors.Is(lerr, ErrCorrupt) || unreadable != errors.Is(lerr, ErrCorruptEntry):
			t.Fatalf("Load of an entry (unreadable: %v): %v", unreadable, lerr)
		default:
			fzNoQuote(t, lerr, content, path)
		}
		if unreadable {
			err := s.Save(ctx, k, "Atzr|fuzz-new")
			if !errors.Is(err, ErrCorruptEntry) || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Save over an unreadable entry: %v, want ErrCorruptEntry and ErrCorrupt", err)
			}
			fzNoQuote(t, err, content, path)
			if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, content) {
				t.Fatalf("Save over an unreadable entry rewrote the file: %q -> %q (%v)", content, got, err)
			}
			if err := s.Delete(ctx, k); err != nil {
				t.Fatalf("Delete of an unreadable entry: %v", err)
			}
		}
		if err := s.Save(ctx, k, "Atzr|fuzz-new"); err != nil {
			t.Fatalf("Save over a file that decodes: %v", err)
		}
		after, err := readFile(path)
		if err != nil {
			t.Fatalf("the file does not decode after Save: %v", err)
		}
		if got, err := s.Load(ctx, k); err != nil || got != "Atzr|fuzz-new" {
			t.Fatalf("Load after Save = %q, %v", got, err)
		}
		delete(before.Tokens, mapKey(k))
		delete(after.Tokens, mapKey(k))
		if len(before.Tokens) != len(after.Tokens) || len(before.States) != len(after.States) {
			t.Fatalf("Save changed other entries: %+v -> %+v", before, after)
		}
		for name, e := range before.Tokens {
			a, ok := after.Tokens[name]
			if !ok || a.key() != e.key() || a.RefreshToken != e.RefreshToken || !a.UpdatedAt.Equal(e.UpdatedAt) {
				t.Fatalf("Save changed entry %q: %+v -> %+v", name, e, a)
			}
		}
		for name, e := range before.States {
			a, ok := after.States[name]
			if !ok || a.loginState().Key != e.loginState().Key || a.RedirectURL != e.RedirectURL || !a.Expires.Equal(e.Expires) {
				t.Fatalf("Save changed state %q: %+v -> %+v", name, e, a)
			}
		}
	})
}

// fzTempDir returns a fresh directory, on tmpfs when there is one: the
// store fsyncs every write, which costs a millisecond on a disk.
func fzTempDir(t *testing.T) string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "filestore-fuzz-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}

var fzWordRe = regexp.MustCompile(`[A-Za-z0-9|+/=_-]{10,}`)

// fzNoQuote fails if err quotes a run of 10 or more token-ish characters
// from the file that the error's own wording (fzOwnWords, or own: the path
// and whatever else the caller knows the error may name) does not explain.
func fzNoQuote(t *testing.T, err error, content []byte, own string) {
	t.Helper()
	msg := err.Error()
	for _, w := range fzWordRe.FindAllString(string(content), -1) {
		for _, sub := range fzWindows(w, 10) {
			if strings.Contains(msg, sub) && !strings.Contains(fzOwnWords, sub) && !strings.Contains(own, sub) {
				t.Fatalf("error quotes the file (%q): %v", sub, err)
			}
		}
	}
}

// fzOwnWords is text an error may hold on its own: paths, key, wording.
const fzOwnWords = "amzn1.application-oa2-client.fuzz/model/SN-1 /dev/shm/filestore-fuzz- /tmp/ tokens.json.lock " +
	"token file is corrupt; token file entry is corrupt; fix or remove the file, it is never overwritten; format version newer than this program's upgrade " +
	"invalid JSON at byte; delete the key or fix the entry, a save never overwrites it; the entry's client_id, " +
	"device_model and serial do not match its name; the entry has no refresh token; refresh_token updated_at client_id device_model redirect_url time.Time filestore.tokenEntry " +
	"filestore.stateEntry filestore.fileData map[string]filestore.tokenEntry map[string]filestore.stateEntry"

func fzWindows(w string, n int) []string {
	var out []string
	for i := 0; i+n <= len(w); i++ {
		out = append(out, w[i:i+n])
	}
	return out
}
