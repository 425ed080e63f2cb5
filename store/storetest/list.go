package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/amazondrs/drs/store"
	"github.com/google/go-cmp/cmp"
)

// runList checks [store.Lister] on stores made by open that implement it,
// through wrap (nil: as they are); a store that does not list passes
// (Lister is optional) and says so.
func runList(t *testing.T, open func(t *testing.T) store.TokenStore, wrap func(t *testing.T, ts store.TokenStore) store.TokenStore) {
	if _, ok := open(t).(store.Lister); !ok {
		t.Log("the store is not a store.Lister: List not checked")
		return
	}
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, ts store.TokenStore, l store.Lister)
	}{
		{"Keys", testListKeys},
		{"Empty", testListEmpty},
		{"EmptyClientID", testListEmptyClientID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := open(t)
			if wrap != nil {
				ts = wrap(t, ts)
			}
			tc.fn(t, ts, ts.(store.Lister))
		})
	}
}

// listClientID is a client ID unique to t, so tests sharing a database
// list only their own keys.
func listClientID(t *testing.T) string {
	return "amzn1.application-oa2-client.list-" + strings.ReplaceAll(t.Name(), "/", ".")
}

func testListKeys(t *testing.T, ts store.TokenStore, l store.Lister) {
	id := listClientID(t)
	keys := []store.Key{
		{ClientID: id, DeviceModel: "B-model", Serial: "s2"},
		{ClientID: id, DeviceModel: "A-model", Serial: "z/9 ü"},
		{ClientID: id, DeviceModel: "B-model", Serial: "s1"},
		{ClientID: id, DeviceModel: "A-model", Serial: "%41"},
	}
	for i, k := range keys {
		mustSave(t, ts, k, TestToken("list"+string(rune('a'+i))))
	}
	other := store.Key{ClientID: id + "-other", DeviceModel: "A-model", Serial: "s1"}
	mustSave(t, ts, other, TestToken("other"))
	if err := ts.Delete(context.Background(), keys[0]); err != nil {
		t.Fatal(err)
	}
	got, err := l.List(context.Background(), id)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	want := []store.Key{keys[3], keys[1], keys[2]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	got, err = l.List(context.Background(), other.ClientID)
	if err != nil || len(got) != 1 || got[0] != other {
		t.Errorf("List(other) = %v, %v; want [%v]", got, err, other)
	}
}

func testListEmpty(t *testing.T, _ store.TokenStore, l store.Lister) {
	got, err := l.List(context.Background(), listClientID(t))
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("List of an empty store = %#v, %v; want an empty slice", got, err)
	}
}

func testListEmptyClientID(t *testing.T, _ store.TokenStore, l store.Lister) {
	if _, err := l.List(context.Background(), " "); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("List(\" \") = %v; want an error", err)
	}
}
