// Package storetest is the conformance suite that every [store.TokenStore]
// and [store.StateStore] implementation passes, plus shared benchmarks.
//
// An implementation's test calls [Run] and [RunStates] with a function that
// opens a fresh, empty store for each subtest:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.TokenStore { return open(t) })
//	}
//
// Run exercises the store twice: as it is, and wrapped by [store.Encrypt];
// a store that implements [store.Lister] has List checked too.
//
// [RunUnwritable] checks a store whose storage cannot be written (loads
// work, saves fail naming where and why). As root permissions block nothing,
// so [RunUnwritableChild] runs such a check in a child process as user
// nobody, and [ReadOnlyMount] provides a read-only tmpfs where mounting is
// allowed.
package storetest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/amazondrs/drs/store"
)

// Run runs the TokenStore conformance suite against stores made by open,
// first plain, then through [store.Encrypt], then the encryption-specific
// checks. open is called once per subtest and must return an empty store;
// it registers its own cleanup with t.
func Run(t *testing.T, open func(t *testing.T) store.TokenStore) {
	t.Helper()
	t.Run("plain", func(t *testing.T) { runTokens(t, open) })
	t.Run("encrypted", func(t *testing.T) {
		runTokens(t, func(t *testing.T) store.TokenStore { return mustEncrypt(t, open(t), NewEncryptionKey(t)) })
	})
	t.Run("encryption", func(t *testing.T) { runEncryption(t, open) })
	t.Run("list", func(t *testing.T) { runList(t, open, nil) })
	t.Run("list encrypted", func(t *testing.T) {
		runList(t, open, func(t *testing.T, ts store.TokenStore) store.TokenStore {
			return mustEncrypt(t, ts, NewEncryptionKey(t))
		})
	})
}

func runTokens(t *testing.T, open func(t *testing.T) store.TokenStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, ts store.TokenStore)
	}{
		{"RoundTrip", testRoundTrip},
		{"Overwrite", testOverwrite},
		{"Delete", testDelete},
		{"DeleteMissing", testDeleteMissing},
		{"LoadMissing", testLoadMissing},
		{"KeysIndependent", testKeysIndependent},
		{"InvalidKey", testInvalidKey},
		{"EmptyToken", testEmptyToken},
		{"OddTokens", testOddTokens},
		{"CanceledContext", testCanceledContext},
		{"Concurrent", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

// TestKey returns a valid key unique to t and i, so tests sharing a database
// never collide.
func TestKey(t testing.TB, i int) store.Key {
	return store.Key{
		ClientID:    "amzn1.application-oa2-client.test",
		DeviceModel: "model-" + strings.ReplaceAll(t.Name(), "/", "."),
		Serial:      fmt.Sprintf("serial-%05d", i),
	}
}

// TestToken returns a refresh-token-shaped string unique to label.
func TestToken(label string) string { return "Atzr|IwEBI-test-" + label }

// NewEncryptionKey returns a random 32-byte key.
func NewEncryptionKey(t testing.TB) []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func mustEncrypt(t testing.TB, ts store.TokenStore, key []byte, previous ...[]byte) store.TokenStore {
	t.Helper()
	e, err := store.Encrypt(ts, key, previous...)
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	return e
}

func mustSave(t testing.TB, ts store.TokenStore, k store.Key, rt string) {
	t.Helper()
	if err := ts.Save(context.Background(), k, rt); err != nil {
		t.Fatalf("Save(%v): %v", k, err)
	}
}

func wantLoad(t testing.TB, ts store.TokenStore, k store.Key, want string) {
	t.Helper()
	got, err := ts.Load(context.Background(), k)
	if err != nil {
		t.Fatalf("Load(%v): %v", k, err)
	}
	if got != want {
		t.Fatalf("Load(%v) = %q, want %q", k, got, want)
	}
}

func wantNotFound(t testing.TB, ts store.TokenStore, k store.Key) {
	t.Helper()
	got, err := ts.Load(context.Background(), k)
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Load(%v) = %q, %v; want an error wrapping store.ErrNotFound", k, got, err)
	}
	checkErr(t, err, k)
}

// checkErr fails unless err names k and contains no test token.
func checkErr(t testing.TB, err error, k store.Key) {
	t.Helper()
	if !strings.Contains(err.Error(), k.String()) {
		t.Errorf("error %q does not name the key %q", err, k.String())
	}
	if strings.Contains(err.Error(), TestToken("")) {
		t.Errorf("error %q contains a token", err)
	}
}

func testRoundTrip(t *testing.T, ts store.TokenStore) {
	k := TestKey(t, 1)
	mustSave(t, ts, k, TestToken("one"))
	wantLoad(t, ts, k, TestToken("one"))
}

func testOverwrite(t *testing.T, ts store.TokenStore) {
	k := TestKey(t, 1)
	mustSave(t, ts, k, TestToken("old"))
	mustSave(t, ts, k, TestToken("new"))
	wantLoad(t, ts, k, TestToken("new"))
}

func testDelete(t *testing.T, ts store.TokenStore) {
	k, other := TestKey(t, 1), TestKey(t, 2)
	mustSave(t, ts, k, TestToken("k"))
	mustSave(t, ts, other, TestToken("other"))
	if err := ts.Delete(context.Background(), k); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantNotFound(t, ts, k)
	wantLoad(t, ts, other, TestToken("other"))
	mustSave(t, ts, k, TestToken("again"))
	wantLoad(t, ts, k, TestToken("again"))
}

func testDeleteMissing(t *testing.T, ts store.TokenStore) {
	if err := ts.Delete(context.Background(), TestKey(t, 1)); err != nil {
		t.Fatalf("Delete of a missing key: %v, want nil", err)
	}
}

func testLoadMissing(t *testing.T, ts store.TokenStore) {
	wantNotFound(t, ts, TestKey(t, 1))
}

func testKeysIndependent(t *testing.T, ts store.TokenStore) {
	base := TestKey(t, 1)
	keys := []store.Key{
		base,
		{ClientID: base.ClientID + "-2", DeviceModel: base.DeviceModel, Serial: base.Serial},
		{ClientID: base.ClientID, DeviceModel: base.DeviceModel + "-2", Serial: base.Serial},
		{ClientID: base.ClientID, DeviceModel: base.DeviceModel, Serial: base.Serial + "-2"},
		// Keys whose String() is the same must still be distinct.
		{ClientID: base.ClientID + "/x", DeviceModel: base.DeviceModel, Serial: base.Serial},
		{ClientID: base.ClientID, DeviceModel: "x/" + base.DeviceModel, Serial: base.Serial},
		// Unusual but valid characters.
		{ClientID: base.ClientID, DeviceModel: base.DeviceModel, Serial: "sér ial%2F\"'\\;--"},
	}
	for i, k := range keys {
		mustSave(t, ts, k, TestToken(fmt.Sprint(i)))
	}
	for i, k := range keys {
		wantLoad(t, ts, k, TestToken(fmt.Sprint(i)))
	}
}

func testInvalidKey(t *testing.T, ts store.TokenStore) {
	good := TestKey(t, 1)
	bad := []store.Key{
		{},
		{DeviceModel: good.DeviceModel, Serial: good.Serial},
		{ClientID: good.ClientID, Serial: good.Serial},
		{ClientID: good.ClientID, DeviceModel: good.DeviceModel, Serial: "  "},
		{ClientID: good.ClientID, DeviceModel: good.DeviceModel, Serial: "bad-utf8-\xff"},
		{ClientID: good.ClientID, DeviceModel: "nul-\x00", Serial: good.Serial},
	}
	ctx := context.Background()
	for _, k := range bad {
		if err := ts.Save(ctx, k, TestToken("x")); err == nil {
			t.Errorf("Save(%q) = nil, want an error", k.String())
		} else if strings.Contains(err.Error(), TestToken("")) {
			t.Errorf("Save(%q) error %q contains the token", k.String(), err)
		}
		if _, err := ts.Load(ctx, k); err == nil || errors.Is(err, store.ErrNotFound) {
			t.Errorf("Load(%q) error = %v, want an invalid-key error", k.String(), err)
		}
		if err := ts.Delete(ctx, k); err == nil {
			t.Errorf("Delete(%q) = nil, want an error", k.String())
		}
	}
}

func testEmptyToken(t *testing.T, ts store.TokenStore) {
	k := TestKey(t, 1)
	mustSave(t, ts, k, TestToken("kept"))
	if err := ts.Save(context.Background(), k, ""); err == nil {
		t.Fatal(`Save(k, "") = nil, want an error`)
	}
	wantLoad(t, ts, k, TestToken("kept"))
}

// testOddTokens saves tokens that a careless encoding would change: each
// Save must either keep the token exactly (Load returns the same bytes) or
// fail, without quoting it and keeping the previous token.
func testOddTokens(t *testing.T, ts store.TokenStore) {
	ctx := context.Background()
	for i, rt := range []string{
		TestToken(`quotes " ' \ / <>&`),
		TestToken("unicode é ✓ 𝄞"),
		TestToken("tabs\tand\nnewlines\r"),
		TestToken(strings.Repeat("long", 2048)),
		TestToken("invalid-utf8-\xff\xfe"),
		TestToken("nul-\x00-byte"),
	} {
		k := TestKey(t, i)
		mustSave(t, ts, k, TestToken("previous"))
		if err := ts.Save(ctx, k, rt); err != nil {
			checkErr(t, err, k)
			wantLoad(t, ts, k, TestToken("previous"))
			continue
		}
		got, err := ts.Load(ctx, k)
		if err != nil || got != rt {
			t.Errorf("token %d: Load = %q, %v; want exactly what was saved, %q", i, got, err, rt)
		}
	}
}

func testCanceledContext(t *testing.T, ts store.TokenStore) {
	k := TestKey(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ts.Save(ctx, k, TestToken("x")); err == nil {
		t.Error("Save with a canceled context = nil, want an error")
	}
	if _, err := ts.Load(ctx, k); err == nil {
		t.Error("Load with a canceled context = nil error, want an error")
	}
}

// testConcurrent has 50 goroutines save their own keys and 50 save one shared
// key, all at once: every own key must be there afterwards, and the shared
// key must hold one of the values written to it.
func testConcurrent(t *testing.T, ts store.TokenStore) {
	const n = 50
	shared := TestKey(t, 9999)
	written := make(map[string]bool)
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		written[TestToken(fmt.Sprint("shared-", i))] = true
		wg.Add(2)
		go func() {
			defer wg.Done()
			errs <- ts.Save(context.Background(), TestKey(t, i), TestToken(fmt.Sprint("own-", i)))
		}()
		go func() {
			defer wg.Done()
			errs <- ts.Save(context.Background(), shared, TestToken(fmt.Sprint("shared-", i)))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Save: %v", err)
		}
	}
	for i := range n {
		wantLoad(t, ts, TestKey(t, i), TestToken(fmt.Sprint("own-", i)))
	}
	got, err := ts.Load(context.Background(), shared)
	if err != nil {
		t.Fatalf("Load(shared): %v", err)
	}
	if !written[got] {
		t.Fatalf("Load(shared) = %q, not one of the values written", got)
	}
}
