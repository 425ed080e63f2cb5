package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/amazondrs/drs/store"
)

func runEncryption(t *testing.T, open func(t *testing.T) store.TokenStore) {
	t.Run("CiphertextAtRest", func(t *testing.T) {
		inner := open(t)
		enc := mustEncrypt(t, inner, NewEncryptionKey(t))
		k := TestKey(t, 1)
		mustSave(t, enc, k, TestToken("secret"))
		first := rawLoad(t, inner, k)
		if !strings.HasPrefix(first, store.EncryptedPrefix) || strings.Contains(first, TestToken("")) {
			t.Fatalf("inner store holds %q, want %q + ciphertext", first, store.EncryptedPrefix)
		}
		mustSave(t, enc, k, TestToken("secret"))
		if second := rawLoad(t, inner, k); second == first {
			t.Fatal("two saves of the same token stored the same ciphertext; the nonce must be fresh")
		}
		wantLoad(t, enc, k, TestToken("secret"))
	})
	t.Run("PlaintextRefused", func(t *testing.T) {
		inner := open(t)
		k := TestKey(t, 1)
		mustSave(t, inner, k, TestToken("plain"))
		wantDecryptErr(t, inner, mustEncrypt(t, inner, NewEncryptionKey(t)), k)
	})
	t.Run("WrongKey", func(t *testing.T) {
		inner := open(t)
		k := TestKey(t, 1)
		mustSave(t, mustEncrypt(t, inner, NewEncryptionKey(t)), k, TestToken("secret"))
		wantDecryptErr(t, inner, mustEncrypt(t, inner, NewEncryptionKey(t)), k)
	})
	t.Run("CopiedToAnotherKey", func(t *testing.T) {
		inner := open(t)
		enc := mustEncrypt(t, inner, NewEncryptionKey(t))
		k, other := TestKey(t, 1), TestKey(t, 2)
		mustSave(t, enc, k, TestToken("secret"))
		mustSave(t, inner, other, rawLoad(t, inner, k))
		wantDecryptErr(t, inner, enc, other)
	})
	t.Run("Corrupt", func(t *testing.T) {
		inner := open(t)
		k := TestKey(t, 1)
		enc := mustEncrypt(t, inner, NewEncryptionKey(t))
		for _, v := range []string{store.EncryptedPrefix + "!!!", store.EncryptedPrefix + "AAAA", "enc:v9:AAAA"} {
			mustSave(t, inner, k, v)
			wantDecryptErr(t, inner, enc, k)
			wantSaveRefused(t, inner, enc, k)
		}
	})
	t.Run("SaveOverWrongKeyRefused", func(t *testing.T) {
		inner := open(t)
		k := TestKey(t, 1)
		right, wrong := mustEncrypt(t, inner, NewEncryptionKey(t)), mustEncrypt(t, inner, NewEncryptionKey(t))
		mustSave(t, right, k, TestToken("kept"))
		wantSaveRefused(t, inner, wrong, k)
		wantLoad(t, right, k, TestToken("kept"))
		// Deleting first is how to replace it on purpose.
		if err := wrong.Delete(context.Background(), k); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		mustSave(t, wrong, k, TestToken("new"))
		wantLoad(t, wrong, k, TestToken("new"))
	})
	t.Run("SaveOverPlaintextEncrypts", func(t *testing.T) {
		inner := open(t)
		k := TestKey(t, 1)
		mustSave(t, inner, k, TestToken("plain"))
		enc := mustEncrypt(t, inner, NewEncryptionKey(t))
		mustSave(t, enc, k, TestToken("now-encrypted"))
		if raw := rawLoad(t, inner, k); !strings.HasPrefix(raw, store.EncryptedPrefix) {
			t.Fatalf("inner store holds %q after Save through the encrypted store, want ciphertext", raw)
		}
		wantLoad(t, enc, k, TestToken("now-encrypted"))
	})
	t.Run("Missing", func(t *testing.T) {
		wantNotFound(t, mustEncrypt(t, open(t), NewEncryptionKey(t)), TestKey(t, 1))
	})
	t.Run("BadKeyLength", func(t *testing.T) {
		inner := open(t)
		for _, n := range []int{0, 15, 17, 31, 33, 64} {
			if _, err := store.Encrypt(inner, make([]byte, n)); err == nil {
				t.Errorf("Encrypt with a %d-byte key = nil error, want an error", n)
			}
		}
	})
}

func rawLoad(t *testing.T, ts store.TokenStore, k store.Key) string {
	t.Helper()
	v, err := ts.Load(context.Background(), k)
	if err != nil {
		t.Fatalf("Load(%v) from the inner store: %v", k, err)
	}
	return v
}

// wantDecryptErr fails unless enc's Load of k fails with an error that wraps
// ErrDecrypt and names k and inner (when inner has a String method).
func wantDecryptErr(t *testing.T, inner, enc store.TokenStore, k store.Key) {
	t.Helper()
	got, err := enc.Load(context.Background(), k)
	if err == nil {
		t.Fatalf("Load(%v) = %q, nil; want a decryption error", k, got)
	}
	if !errors.Is(err, store.ErrDecrypt) {
		t.Errorf("Load(%v) error %q does not wrap store.ErrDecrypt", k, err)
	}
	checkErr(t, err, k)
	checkNamesStore(t, err, inner)
}

// wantSaveRefused fails unless a Save through enc over the value inner holds
// under k (which enc cannot open) fails with an error wrapping ErrDecrypt,
// naming k and inner, and leaves the value as it was.
func wantSaveRefused(t *testing.T, inner, enc store.TokenStore, k store.Key) {
	t.Helper()
	before := rawLoad(t, inner, k)
	err := enc.Save(context.Background(), k, TestToken("overwrite"))
	if err == nil {
		t.Fatalf("Save(%v) over a value the key cannot open = nil, want an error", k)
	}
	if !errors.Is(err, store.ErrDecrypt) {
		t.Errorf("Save(%v) error %q does not wrap store.ErrDecrypt", k, err)
	}
	checkErr(t, err, k)
	checkNamesStore(t, err, inner)
	if after := rawLoad(t, inner, k); after != before {
		t.Fatalf("Save(%v) was refused but replaced the stored value", k)
	}
}

func checkNamesStore(t *testing.T, err error, inner store.TokenStore) {
	t.Helper()
	if s, ok := inner.(fmt.Stringer); ok && !strings.Contains(err.Error(), s.String()) {
		t.Errorf("error %q does not name the store %q", err, s.String())
	}
}
