package storeopen_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amazondrs/drs/store"
	"github.com/amazondrs/drs/store/storeopen"
	"github.com/amazondrs/drs/store/storetest"
	"github.com/jackc/pgx/v5"
)

func open(t *testing.T, spec string, opts ...storeopen.Option) storeopen.Store {
	t.Helper()
	s, err := storeopen.Open(context.Background(), spec, opts...)
	if err != nil {
		t.Fatalf("Open(%q): %v", spec, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// specMakers returns, per store kind, a function that makes a fresh spec
// for a test; PostgreSQL only when DRS_TEST_POSTGRES_URL is set (package
// pgstore's tests cover it in depth, and say loudly when they skip).
func specMakers() map[string]func(t *testing.T) string {
	m := map[string]func(t *testing.T) string{
		"file":   func(t *testing.T) string { return "file:" + filepath.Join(t.TempDir(), "tokens.json") },
		"sqlite": func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "tokens.db") },
	}
	if base := os.Getenv("DRS_TEST_POSTGRES_URL"); base != "" {
		m["postgres"] = func(t *testing.T) string { return pgSchema(t, base) }
	}
	return m
}

func pgSchema(t *testing.T, base string) string {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "drs_test_open_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, err := pgx.Connect(ctx, base); err == nil {
			c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			c.Close(ctx)
		}
	})
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestEveryForm(t *testing.T) {
	t.Parallel()
	for name, spec := range specMakers() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, func(t *testing.T) store.TokenStore { return open(t, spec(t)) })
			storetest.RunStates(t, func(t *testing.T) store.StateStore { return open(t, spec(t)) })
		})
	}
}

func TestWithEncryptionKey(t *testing.T) {
	t.Parallel()
	for name, makeSpec := range specMakers() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			spec := makeSpec(t)
			key := storetest.NewEncryptionKey(t)
			k := storetest.TestKey(t, 1)
			enc := open(t, spec, storeopen.WithEncryptionKey(key))
			if err := enc.Save(t.Context(), k, storetest.TestToken("secret")); err != nil {
				t.Fatal(err)
			}
			if got, err := enc.Load(t.Context(), k); err != nil || got != storetest.TestToken("secret") {
				t.Fatalf("Load = %q, %v", got, err)
			}
			raw, err := open(t, spec).Load(t.Context(), k)
			if err != nil || !strings.HasPrefix(raw, store.EncryptedPrefix) {
				t.Fatalf("the plain store holds %q, %v; want ciphertext", raw, err)
			}
			if _, err := open(t, spec, storeopen.WithEncryptionKey(storetest.NewEncryptionKey(t))).Load(t.Context(), k); !errors.Is(err, store.ErrDecrypt) {
				t.Fatalf("Load with another key: %v, want ErrDecrypt", err)
			}
			if _, err := storeopen.Open(t.Context(), spec, storeopen.WithEncryptionKey(key[:10])); err == nil {
				t.Fatal("Open with a 10-byte key = nil error")
			}
			// Rotation: the new key with the old one as previous loads the
			// token and re-encrypts it on Save; then the new key alone opens it.
			newKey := storetest.NewEncryptionKey(t)
			rotating := open(t, spec, storeopen.WithEncryptionKey(newKey, key))
			rt, err := rotating.Load(t.Context(), k)
			if err != nil || rt != storetest.TestToken("secret") {
				t.Fatalf("Load through new+old = %q, %v", rt, err)
			}
			if err := rotating.Save(t.Context(), k, rt); err != nil {
				t.Fatalf("Save through new+old: %v", err)
			}
			if got, err := open(t, spec, storeopen.WithEncryptionKey(newKey)).Load(t.Context(), k); err != nil || got != rt {
				t.Fatalf("Load through the new key alone after re-encryption = %q, %v", got, err)
			}
			if _, err := open(t, spec, storeopen.WithEncryptionKey(key)).Load(t.Context(), k); !errors.Is(err, store.ErrDecrypt) {
				t.Fatalf("Load through the dropped old key: %v, want ErrDecrypt", err)
			}
			if _, err := storeopen.Open(t.Context(), spec, storeopen.WithEncryptionKey(newKey, key[:10])); err == nil {
				t.Fatal("Open with a 10-byte previous key = nil error")
			}
		})
	}
}

func TestDefaultIsFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir)
	s := open(t, "")
	if err := s.Save(t.Context(), storetest.TestKey(t, 1), storetest.TestToken("x")); err != nil {
		t.Fatal(err)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "*", "amazondrs", "tokens.json"))
	if _, err := os.Stat(filepath.Join(dir, "amazondrs", "tokens.json")); err != nil && len(matches) == 0 {
		t.Fatalf("no tokens.json under %s/amazondrs: %v", dir, err)
	}
}

func TestBadSpecs(t *testing.T) {
	t.Parallel()
	for spec, want := range map[string]string{
		"mysql://u:s3cr3t@h/db":     storeopen.Forms,
		"postgress://u:s3cr3t@h/db": storeopen.Forms,
		"tokens.json":               storeopen.Forms,
		"file:":                     "needs a path",
		"sqlite:":                   "needs a path",
		// Not /tokens.db at the root, nor a file on host h.
		"sqlite://tokens.db":            "sqlite:///ABSOLUTE/PATH",
		"file://u:s3cr3t@h/tokens.json": "file:///ABSOLUTE/PATH",
	} {
		s, err := storeopen.Open(t.Context(), spec)
		if err == nil {
			s.Close()
			t.Errorf("Open(%q) = nil error", spec)
			continue
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("Open(%q) error %q contains the password", spec, err)
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%q) error %q does not say what is accepted (%s)", spec, err, want)
		}
	}
}

// TestPaths checks where file: and sqlite: specs put the store: a plain
// path, the URL form with three slashes, and ~/ for the home directory.
func TestPaths(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	dir := t.TempDir()
	for spec, want := range map[string]string{
		"file:" + dir + "/a.json":         dir + "/a.json",
		"file://" + dir + "/b.json":       dir + "/b.json",
		"sqlite:" + dir + "/c.db":         dir + "/c.db",
		"sqlite://" + dir + "/d.db":       dir + "/d.db",
		"file:~/drs/e.json":               home + "/drs/e.json",
		"sqlite:~/drs/f.db":               home + "/drs/f.db",
		"file:" + dir + "/new/dir/g.json": dir + "/new/dir/g.json",
	} {
		s := open(t, spec)
		if err := s.Save(t.Context(), storetest.TestKey(t, 1), storetest.TestToken("x")); err != nil {
			t.Fatalf("Save to %q: %v", spec, err)
		}
		if got := s.(interface{ Path() string }).Path(); got != want {
			t.Errorf("Open(%q) opened %s, want %s", spec, got, want)
		}
		if _, err := os.Stat(want); err != nil {
			t.Errorf("Open(%q): %v", spec, err)
		}
	}
}

func TestUnreachablePostgres(t *testing.T) {
	t.Parallel()
	_, err := storeopen.Open(t.Context(), "postgresql://drs:s3cr3t@127.0.0.1:1/drs?sslmode=disable")
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("Open error = %v, want a clear error without the password", err)
	}
}
