package drs_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/internal/testutil"
	"github.com/amazondrs/drs/store"
)

// failingStore fails the operations it is told to.
type failingStore struct {
	*store.MemoryStore
	loadErr, saveErr error
}

func (f failingStore) Load(ctx context.Context, k store.Key) (string, error) {
	if f.loadErr != nil {
		return "", f.loadErr
	}
	return f.MemoryStore.Load(ctx, k)
}

func (f failingStore) Save(ctx context.Context, k store.Key, rt string) error {
	if f.saveErr != nil {
		return f.saveErr
	}
	return f.MemoryStore.Save(ctx, k, rt)
}

func TestWithTokenStore(t *testing.T) {
	f := newFake(t)
	f.handle("/", jsonReply(200, orderJSON))
	mem := store.Memory()
	key := store.Key{ClientID: testClientID, DeviceModel: "M", Serial: "S"}

	// Nothing saved yet: the client starts without a token.
	c, err := drs.New(testClientID, testClientSecret, drs.WithEndpoints(f.endpoints()), drs.WithTokenStore(mem, "M", "S"))
	if err != nil {
		t.Fatal(err)
	}
	if c.RefreshToken() != "" {
		t.Fatal("token out of an empty store")
	}
	// A login's token is saved at once...
	if _, err := c.Exchange(t.Context(), "good-code", "http://x/cb"); err != nil {
		t.Fatal(err)
	}
	if got, err := mem.Load(t.Context(), key); err != nil || got != "Atzr|from-code" {
		t.Fatalf("saved %q, %v", got, err)
	}
	// ...and loaded by the next client (a restart).
	c2, err := drs.New(testClientID, testClientSecret, drs.WithEndpoints(f.endpoints()), drs.WithTokenStore(mem, "M", "S"))
	if err != nil || c2.RefreshToken() != "Atzr|from-code" {
		t.Fatalf("restart: token %q, %v", c2.RefreshToken(), err)
	}
	// Deregistration deletes it.
	if err := c2.Deregister(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := mem.Load(t.Context(), key); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("token still stored after deregistration: %v", err)
	}

	// A store that cannot be read fails New with a clear error.
	_, err = drs.New(testClientID, testClientSecret, drs.WithTokenStore(failingStore{MemoryStore: store.Memory(), loadErr: errors.New("disk on fire")}, "M", "S"))
	if drs.Code(err) != drs.CodeGeneral || !strings.Contains(err.Error(), "disk on fire") || !strings.Contains(err.Error(), "/M/S") {
		t.Errorf("unreadable store: %v", err)
	}
	// A store that cannot save: Exchange returns the token and
	// ErrTokenNotSaved; the token works in memory, and SaveToken retries.
	flaky := testutil.NewFlakyStore(2)
	c3, _ := drs.New(testClientID, testClientSecret, drs.WithEndpoints(f.endpoints()), drs.WithTokenStore(flaky, "M", "S"))
	tok, err := c3.Exchange(t.Context(), "good-code", "http://x/cb")
	if drs.Code(err) != drs.CodeGeneral || !errors.Is(err, drs.ErrTokenNotSaved) || errors.Is(err, drs.ErrNotAuthenticated) ||
		tok.RefreshToken == "" || c3.RefreshToken() != tok.RefreshToken {
		t.Errorf("failed save: %v (token returned %v, kept in memory: %v)", err, tok.RefreshToken != "", c3.RefreshToken() != "")
	}
	if err := c3.SaveToken(); err == nil {
		t.Error("SaveToken succeeded while the store still fails")
	}
	if err := c3.SaveToken(); err != nil {
		t.Errorf("SaveToken once the store works: %v", err)
	}
	if got, err := flaky.Load(t.Context(), store.Key{ClientID: testClientID, DeviceModel: "M", Serial: "S"}); err != nil || got != tok.RefreshToken {
		t.Errorf("stored after SaveToken: %v, %v", got == tok.RefreshToken, err)
	}
	if errors.Is(&drs.Error{Code: drs.CodeGeneral, Op: "Exchange", Message: "other"}, drs.ErrTokenNotSaved) {
		t.Error("ErrTokenNotSaved matches another Exchange error")
	}
	if _, err := drs.New("id", "s", drs.WithTokenStore(nil, "M", "S")); err == nil {
		t.Error("nil store accepted")
	}
	if _, err := drs.New("id", "s", drs.WithTokenStore(mem, "", "S")); err == nil {
		t.Error("empty model accepted")
	}
}
