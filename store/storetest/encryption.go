package storetest

import (
	"context"
	"errors"
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
		wantDecryptErr(t, mustEncrypt(t, inner, NewEncryptionKey(t)), k)
	})
	t.Run("WrongKey", func(t *testing.T) {
		inner := open(t)
		k := TestKey(t, 1)
		mustSave(t, mustEncrypt(t, inner, NewEncryptionKey(t)), k, TestToken("secret"))
		wantDecryptErr(t, mustEncrypt(t, inner, NewEncryptionKey(t)), k)
	})
	t.Run("CopiedToAnotherKey", func(t *testing.T) {
		inner := open(t)
		enc := mustEncrypt(t, inner, NewEncryptionKey(t))
		k, other := TestKey(t, 1), TestKey(t, 2)
		mustSave(t, enc, k, TestToken("secret"))
		mustSave(t, inner, other, rawLoad(t, inner, k))
		wantDecryptErr(t, enc, other)
	})
	t.Run("Corrupt", func(t *testing.T) {
		inner := open(t)
		k := TestKey(t, 1)
		enc := mustEncrypt(t, inner, NewEncryptionKey(t))
		for _, v := range []string{store.EncryptedPrefix + "!!!", store.EncryptedPrefix + "AAAA", "enc:v9:AAAA"} {
			mustSave(t, inner, k, v)
			wantDecryptErr(t, enc, k)
		}
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

func wantDecryptErr(t *testing.T, enc store.TokenStore, k store.Key) {
	t.Helper()
	got, err := enc.Load(context.Background(), k)
	if err == nil {
		t.Fatalf("Load(%v) = %q, nil; want a decryption error", k, got)
	}
	if !errors.Is(err, store.ErrDecrypt) {
		t.Errorf("Load(%v) error %q does not wrap store.ErrDecrypt", k, err)
	}
	checkErr(t, err, k)
}
