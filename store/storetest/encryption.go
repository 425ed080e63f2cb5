package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/amazondrs/drs/store"
)

// runEncryption checks store.Encrypt over the stores open makes, one named case each.
func runEncryption(t *testing.T, open func(t *testing.T) store.TokenStore) {
	for _, c := range []struct {
		name string
		run  func(t *testing.T, inner store.TokenStore)
	}{
		{"CiphertextAtRest", encCiphertextAtRest},
		{"PlaintextRefused", encPlaintextRefused},
		{"WrongKey", encWrongKey},
		{"CopiedToAnotherKey", encCopiedToAnotherKey},
		{"Corrupt", encCorrupt},
		{"SaveOverWrongKeyRefused", encSaveOverWrongKeyRefused},
		{"SaveOverPlaintextEncrypts", encSaveOverPlaintextEncrypts},
		{"PlaintextIsErrPlaintext", encPlaintextIsErrPlaintext},
		{"SaveRefusedWhenLoadFails", encSaveRefusedWhenLoadFails},
		{"RotationRoundTrip", encRotationRoundTrip},
		{"RotationSaveOverPreviousKey", encRotationSaveOverPreviousKey},
		{"RotationWrongKeyRefused", encRotationWrongKeyRefused},
		{"Missing", encMissing},
		{"BadKeyLength", encBadKeyLength},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, open(t)) })
	}
}

// encCiphertextAtRest: the inner store holds only ciphertext, with a fresh nonce per save.
func encCiphertextAtRest(t *testing.T, inner store.TokenStore) {
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
}

// encPlaintextRefused: a plaintext value in the inner store does not load.
func encPlaintextRefused(t *testing.T, inner store.TokenStore) {
	k := TestKey(t, 1)
	mustSave(t, inner, k, TestToken("plain"))
	wantDecryptErr(t, inner, mustEncrypt(t, inner, NewEncryptionKey(t)), k)
}

// encWrongKey: a value saved under one key does not load under another.
func encWrongKey(t *testing.T, inner store.TokenStore) {
	k := TestKey(t, 1)
	mustSave(t, mustEncrypt(t, inner, NewEncryptionKey(t)), k, TestToken("secret"))
	wantDecryptErr(t, inner, mustEncrypt(t, inner, NewEncryptionKey(t)), k)
}

// encCopiedToAnotherKey: a ciphertext copied to another store key does not load there.
func encCopiedToAnotherKey(t *testing.T, inner store.TokenStore) {
	enc := mustEncrypt(t, inner, NewEncryptionKey(t))
	k, other := TestKey(t, 1), TestKey(t, 2)
	mustSave(t, enc, k, TestToken("secret"))
	mustSave(t, inner, other, rawLoad(t, inner, k))
	wantDecryptErr(t, inner, enc, other)
}

// encCorrupt: corrupt or unknown-version ciphertext neither loads nor is overwritten.
func encCorrupt(t *testing.T, inner store.TokenStore) {
	k := TestKey(t, 1)
	enc := mustEncrypt(t, inner, NewEncryptionKey(t))
	for _, v := range []string{store.EncryptedPrefix + "!!!", store.EncryptedPrefix + "AAAA", "enc:v9:AAAA"} {
		mustSave(t, inner, k, v)
		wantDecryptErr(t, inner, enc, k)
		wantSaveRefused(t, inner, enc, k)
	}
}

// encSaveOverWrongKeyRefused: a wrong key cannot overwrite a token; deleting first can.
func encSaveOverWrongKeyRefused(t *testing.T, inner store.TokenStore) {
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
}

// encSaveOverPlaintextEncrypts: a save over a plaintext value stores ciphertext.
func encSaveOverPlaintextEncrypts(t *testing.T, inner store.TokenStore) {
	k := TestKey(t, 1)
	mustSave(t, inner, k, TestToken("plain"))
	enc := mustEncrypt(t, inner, NewEncryptionKey(t))
	mustSave(t, enc, k, TestToken("now-encrypted"))
	if raw := rawLoad(t, inner, k); !strings.HasPrefix(raw, store.EncryptedPrefix) {
		t.Fatalf("inner store holds %q after Save through the encrypted store, want ciphertext", raw)
	}
	wantLoad(t, enc, k, TestToken("now-encrypted"))
}

// encPlaintextIsErrPlaintext: a plaintext value is ErrPlaintext; one under another key is not.
func encPlaintextIsErrPlaintext(t *testing.T, inner store.TokenStore) {
	k := TestKey(t, 1)
	mustSave(t, inner, k, TestToken("plain"))
	_, err := mustEncrypt(t, inner, NewEncryptionKey(t)).Load(context.Background(), k)
	if !errors.Is(err, store.ErrPlaintext) || !errors.Is(err, store.ErrDecrypt) {
		t.Fatalf("Load of a plaintext value: %v, want an error wrapping store.ErrPlaintext and store.ErrDecrypt", err)
	}
	// A value that is encrypted under another key is not plaintext.
	mustSave(t, mustEncrypt(t, inner, NewEncryptionKey(t)), TestKey(t, 2), TestToken("other"))
	_, err = mustEncrypt(t, inner, NewEncryptionKey(t)).Load(context.Background(), TestKey(t, 2))
	if errors.Is(err, store.ErrPlaintext) || !errors.Is(err, store.ErrDecrypt) {
		t.Fatalf("Load under a wrong key: %v, want ErrDecrypt but not ErrPlaintext", err)
	}
}

// encSaveRefusedWhenLoadFails: a save while the inner Load fails keeps the stored value.
func encSaveRefusedWhenLoadFails(t *testing.T, inner store.TokenStore) {
	// A store that cannot be read for a moment (a reset connection, a
	// busy database) must not let a wrong key overwrite the token.
	k := TestKey(t, 1)
	key := NewEncryptionKey(t)
	right := mustEncrypt(t, inner, key)
	mustSave(t, right, k, TestToken("kept"))
	before := rawLoad(t, inner, k)
	cause := errors.New("connection reset by peer")
	for name, enc := range map[string]store.TokenStore{
		"wrongKey": mustEncrypt(t, failingLoad{inner, cause}, NewEncryptionKey(t)),
		"rightKey": mustEncrypt(t, failingLoad{inner, cause}, key),
	} {
		err := enc.Save(context.Background(), k, TestToken("overwrite"))
		if err == nil {
			t.Fatalf("%s: Save while Load fails = nil, want an error", name)
		}
		if !errors.Is(err, cause) {
			t.Errorf("%s: Save error %q does not wrap the Load error", name, err)
		}
		checkErr(t, err, k)
		checkNamesStore(t, err, inner)
		if after := rawLoad(t, inner, k); after != before {
			t.Fatalf("%s: Save while Load fails replaced the stored value", name)
		}
	}
	wantLoad(t, right, k, TestToken("kept"))
}

// encRotationRoundTrip: with new and old keys, values load and re-encrypt under the new key.
func encRotationRoundTrip(t *testing.T, inner store.TokenStore) {
	oldKey, newKey := NewEncryptionKey(t), NewEncryptionKey(t)
	k, other := TestKey(t, 1), TestKey(t, 2)
	old := mustEncrypt(t, inner, oldKey)
	mustSave(t, old, k, TestToken("one"))
	mustSave(t, old, other, TestToken("two"))
	rotating := mustEncrypt(t, inner, newKey, oldKey)
	// Both keys' values load while rotating.
	wantLoad(t, rotating, k, TestToken("one"))
	wantLoad(t, rotating, other, TestToken("two"))
	// Load+Save re-encrypts in place under the new key.
	for _, key := range []store.Key{k, other} {
		rt, err := rotating.Load(context.Background(), key)
		if err != nil {
			t.Fatalf("Load(%v) through new+old: %v", key, err)
		}
		before := rawLoad(t, inner, key)
		mustSave(t, rotating, key, rt)
		if after := rawLoad(t, inner, key); after == before || !strings.HasPrefix(after, store.EncryptedPrefix) {
			t.Fatalf("Save(%v) through new+old did not re-encrypt the value", key)
		}
	}
	// The old key can be dropped: the new key alone opens everything,
	// and the old key alone opens nothing.
	onlyNew := mustEncrypt(t, inner, newKey)
	wantLoad(t, onlyNew, k, TestToken("one"))
	wantLoad(t, onlyNew, other, TestToken("two"))
	wantDecryptErr(t, inner, mustEncrypt(t, inner, oldKey), k)
	wantLoad(t, rotating, k, TestToken("one"))
}

// encRotationSaveOverPreviousKey: a value under the previous key is replaced only when readable.
func encRotationSaveOverPreviousKey(t *testing.T, inner store.TokenStore) {
	oldKey, newKey := NewEncryptionKey(t), NewEncryptionKey(t)
	k := TestKey(t, 1)
	mustSave(t, mustEncrypt(t, inner, oldKey), k, TestToken("old"))
	// Only new: the value under the old key is not readable, so kept.
	wantSaveRefused(t, inner, mustEncrypt(t, inner, newKey), k)
	// New with old as previous: readable, so replaced.
	mustSave(t, mustEncrypt(t, inner, newKey, oldKey), k, TestToken("new"))
	wantLoad(t, mustEncrypt(t, inner, newKey), k, TestToken("new"))
}

// encRotationWrongKeyRefused: a set of wrong keys neither loads nor overwrites a token.
func encRotationWrongKeyRefused(t *testing.T, inner store.TokenStore) {
	k := TestKey(t, 1)
	right := mustEncrypt(t, inner, NewEncryptionKey(t))
	mustSave(t, right, k, TestToken("kept"))
	wrong := mustEncrypt(t, inner, NewEncryptionKey(t), NewEncryptionKey(t), NewEncryptionKey(t))
	wantDecryptErr(t, inner, wrong, k)
	wantSaveRefused(t, inner, wrong, k)
	wantLoad(t, right, k, TestToken("kept"))
}

// encMissing: a missing key is store.ErrNotFound through the encrypted store.
func encMissing(t *testing.T, inner store.TokenStore) {
	wantNotFound(t, mustEncrypt(t, inner, NewEncryptionKey(t)), TestKey(t, 1))
}

// encBadKeyLength: Encrypt refuses keys and previous keys that are not AES sizes.
func encBadKeyLength(t *testing.T, inner store.TokenStore) {
	for _, n := range []int{0, 15, 17, 31, 33, 64} {
		if _, err := store.Encrypt(inner, make([]byte, n)); err == nil {
			t.Errorf("Encrypt with a %d-byte key = nil error, want an error", n)
		}
		if _, err := store.Encrypt(inner, make([]byte, 32), make([]byte, 16), make([]byte, n)); err == nil {
			t.Errorf("Encrypt with a %d-byte previous key = nil error, want an error", n)
		}
	}
}

// failingLoad passes Save and Delete to TokenStore and fails every Load with
// err (naming neither store nor key, so that the error Save wraps it in must
// name them), as a store whose connection drops for a moment would.
type failingLoad struct {
	store.TokenStore
	err error
}

func (f failingLoad) Load(ctx context.Context, k store.Key) (string, error) {
	return "", f.err
}

func (f failingLoad) String() string { return storeName(f.TokenStore) }

func storeName(ts store.TokenStore) string {
	if s, ok := ts.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", ts)
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
