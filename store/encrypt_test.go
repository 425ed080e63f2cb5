package store_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/amazondrs/drs/store"
	"github.com/amazondrs/drs/store/storetest"
)

func TestParseEncryptionKey(t *testing.T) {
	t.Parallel()
	k16, k32 := bytes.Repeat([]byte{0xab}, 16), []byte("0123456789abcdef0123456789ABCDEF")
	good := map[string][]byte{
		hex.EncodeToString(k16):                             k16,
		hex.EncodeToString(k32):                             k32,
		base64.StdEncoding.EncodeToString(k32):              k32,
		base64.RawStdEncoding.EncodeToString(k32):           k32,
		base64.URLEncoding.EncodeToString(k16):              k16,
		" " + base64.StdEncoding.EncodeToString(k32) + "\n": k32,
	}
	for in, want := range good {
		got, err := store.ParseEncryptionKey(in)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("ParseEncryptionKey(%q) = %x, %v; want %x", in, got, err, want)
		}
	}
	for _, in := range []string{"", "s3cr3t-not-a-key", hex.EncodeToString(k16[:15]), base64.StdEncoding.EncodeToString(make([]byte, 20))} {
		_, err := store.ParseEncryptionKey(in)
		if err == nil {
			t.Errorf("ParseEncryptionKey(%q) = nil error", in)
		} else if in != "" && strings.Contains(err.Error(), in) {
			t.Errorf("ParseEncryptionKey error %q repeats the input", err)
		}
	}
}

func TestEncryptArguments(t *testing.T) {
	t.Parallel()
	if _, err := store.Encrypt(nil, make([]byte, 32)); err == nil {
		t.Error("Encrypt(nil, key) = nil error")
	}
	_, err := store.Encrypt(store.Memory(), make([]byte, 20))
	if err == nil || !strings.Contains(err.Error(), "16, 24 or 32") {
		t.Errorf("Encrypt with a 20-byte key: error = %v, want one naming the valid sizes", err)
	}
	for _, n := range []int{16, 24, 32} {
		if _, err := store.Encrypt(store.Memory(), make([]byte, n)); err != nil {
			t.Errorf("Encrypt with a %d-byte key: %v", n, err)
		}
	}
}

// flakyLoad fails Load with err while err is set, as a store whose
// connection resets or whose database is busy for a moment.
type flakyLoad struct {
	store.TokenStore
	err error
}

func (f *flakyLoad) Load(ctx context.Context, k store.Key) (string, error) {
	if f.err != nil {
		return "", f.err
	}
	return f.TokenStore.Load(ctx, k)
}

func (f *flakyLoad) String() string { return "flaky memory" }

// TestEncryptSaveRefusedOnLoadError checks that a Save through a wrong key
// does not overwrite the token when the check's Load fails transiently, and
// that a Load error wrapping ErrNotFound still allows the Save.
func TestEncryptSaveRefusedOnLoadError(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	inner := &flakyLoad{TokenStore: store.Memory()}
	right, err := store.Encrypt(inner, storetest.NewEncryptionKey(t))
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := store.Encrypt(inner, storetest.NewEncryptionKey(t))
	if err != nil {
		t.Fatal(err)
	}
	k := storetest.TestKey(t, 1)
	if err := right.Save(ctx, k, "Atzr|right"); err != nil {
		t.Fatal(err)
	}
	for _, cause := range []error{errors.New("SQLITE_BUSY"), fmt.Errorf("read: %w", context.DeadlineExceeded)} {
		inner.err = cause
		err := wrong.Save(ctx, k, "Atzr|wrong")
		if err == nil {
			t.Fatalf("Save while Load fails with %v = nil, want an error", cause)
		}
		if !errors.Is(err, cause) || !strings.Contains(err.Error(), "flaky memory") || !strings.Contains(err.Error(), k.String()) || strings.Contains(err.Error(), "Atzr") {
			t.Errorf("Save error %q must wrap %v, name the store and the key and no token", err, cause)
		}
		inner.err = nil
		if got, err := right.Load(ctx, k); err != nil || got != "Atzr|right" {
			t.Fatalf("after a refused Save, Load through the right key = %q, %v", got, err)
		}
	}
	other := storetest.TestKey(t, 2)
	inner.err = fmt.Errorf("flaky memory: load key %q: %w", other.String(), store.ErrNotFound)
	if err := wrong.Save(ctx, other, "Atzr|new"); err != nil {
		t.Fatalf("Save when Load reports not found: %v", err)
	}
}

func TestErrPlaintext(t *testing.T) {
	t.Parallel()
	if !errors.Is(store.ErrPlaintext, store.ErrDecrypt) {
		t.Fatal("ErrPlaintext does not match ErrDecrypt")
	}
	if errors.Is(store.ErrDecrypt, store.ErrPlaintext) {
		t.Fatal("ErrDecrypt matches ErrPlaintext")
	}
}

// TestEncryptPreviousKeys checks key rotation with several previous keys:
// each opens its values, Save seals under the current key only.
func TestEncryptPreviousKeys(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	inner := store.Memory()
	keys := [][]byte{storetest.NewEncryptionKey(t), storetest.NewEncryptionKey(t)[:16], storetest.NewEncryptionKey(t)[:24]}
	for i, key := range keys {
		enc, err := store.Encrypt(inner, key)
		if err != nil {
			t.Fatal(err)
		}
		if err := enc.Save(ctx, storetest.TestKey(t, i), fmt.Sprint("Atzr|", i)); err != nil {
			t.Fatal(err)
		}
	}
	next := storetest.NewEncryptionKey(t)
	rotating, err := store.Encrypt(inner, next, keys...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range keys {
		k := storetest.TestKey(t, i)
		rt, err := rotating.Load(ctx, k)
		if err != nil || rt != fmt.Sprint("Atzr|", i) {
			t.Fatalf("Load of a value under previous key %d = %q, %v", i, rt, err)
		}
		if err := rotating.Save(ctx, k, rt); err != nil {
			t.Fatalf("Save over a value under previous key %d: %v", i, err)
		}
	}
	onlyNext, err := store.Encrypt(inner, next)
	if err != nil {
		t.Fatal(err)
	}
	for i := range keys {
		if rt, err := onlyNext.Load(ctx, storetest.TestKey(t, i)); err != nil || rt != fmt.Sprint("Atzr|", i) {
			t.Fatalf("after re-encryption, Load through the new key alone = %q, %v", rt, err)
		}
	}
	if _, err := store.Encrypt(inner, next, make([]byte, 20)); err == nil || !strings.Contains(err.Error(), "previous key 1") {
		t.Errorf("Encrypt with a 20-byte previous key: error = %v, want one naming it", err)
	}
}

func TestEncryptKeyIsCopied(t *testing.T) {
	t.Parallel()
	key := storetest.NewEncryptionKey(t)
	inner := store.Memory()
	enc, err := store.Encrypt(inner, key)
	if err != nil {
		t.Fatal(err)
	}
	k := storetest.TestKey(t, 1)
	if err := enc.Save(t.Context(), k, "Atzr|x"); err != nil {
		t.Fatal(err)
	}
	clear(key) // the caller wipes its copy
	if got, err := enc.Load(t.Context(), k); err != nil || got != "Atzr|x" {
		t.Fatalf("Load after the caller cleared its key = %q, %v", got, err)
	}
}

func BenchmarkMemorySave(b *testing.B) {
	storetest.BenchSave(b, store.Memory(), 1000)
}

func BenchmarkEncryptedMemorySave(b *testing.B) {
	enc, err := store.Encrypt(store.Memory(), storetest.NewEncryptionKey(b))
	if err != nil {
		b.Fatal(err)
	}
	storetest.BenchSave(b, enc, 1000)
}

func BenchmarkEncryptedMemoryLoad(b *testing.B) {
	enc, err := store.Encrypt(store.Memory(), storetest.NewEncryptionKey(b))
	if err != nil {
		b.Fatal(err)
	}
	storetest.BenchLoad(b, enc, 1000)
}
