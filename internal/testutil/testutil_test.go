package testutil

import (
	"sync"
	"testing"

	"github.com/amazondrs/drs/store"
)

func TestFlakyStore(t *testing.T) {
	f := NewFlakyStore(2)
	k := store.Key{ClientID: "c", DeviceModel: "m", Serial: "s"}
	for i, wantErr := range []bool{true, true, false} {
		if err := f.Save(t.Context(), k, "tok"); (err != nil) != wantErr {
			t.Fatalf("save %d: err = %v, want error %v", i+1, err, wantErr)
		}
	}
	if got, err := f.Load(t.Context(), k); err != nil || got != "tok" {
		t.Fatalf("Load = %q, %v", got, err)
	}
}

func TestSyncBuffer(t *testing.T) {
	var b SyncBuffer
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { b.Write([]byte("x")); _ = b.String() })
	}
	wg.Wait()
	if got := b.String(); got != "xxxxxxxxxx" {
		t.Errorf("String = %q", got)
	}
}
