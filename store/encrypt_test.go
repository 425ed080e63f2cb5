package store_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
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
