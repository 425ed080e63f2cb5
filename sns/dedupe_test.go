package sns

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestMemoryDedupe(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	d := NewMemoryDedupe(time.Hour, 3, func() time.Time { return now })
	seen := func(id string) bool {
		t.Helper()
		ok, err := d.Seen(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if seen("a") {
		t.Fatal("a seen before it was marked")
	}
	for _, id := range []string{"a", "b", "c"} {
		if err := d.Mark(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if !seen("a") || !seen("c") {
		t.Fatal("marked ids not seen")
	}
	_ = d.Mark(ctx, "d") // over the cap: a goes
	if seen("a") || !seen("b") || !seen("d") || d.Len() != 3 {
		t.Errorf("after the cap: a=%v b=%v d=%v len=%d", seen("a"), seen("b"), seen("d"), d.Len())
	}
	now = now.Add(time.Hour)
	if seen("b") {
		t.Error("b seen after its TTL")
	}
	_ = d.Mark(ctx, "e") // expires b, c, d
	if d.Len() != 1 || !seen("e") {
		t.Errorf("after expiry: len=%d e=%v, want 1 true", d.Len(), seen("e"))
	}
}

func TestMemoryDedupeConcurrent(t *testing.T) {
	d := NewMemoryDedupe(0, 100, nil)
	done := make(chan struct{})
	for g := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 200 {
				id := fmt.Sprint(g, "-", i)
				_ = d.Mark(context.Background(), id)
				_, _ = d.Seen(context.Background(), id)
			}
		}()
	}
	for range 8 {
		<-done
	}
	if d.Len() != 100 {
		t.Errorf("Len = %d, want the cap, 100", d.Len())
	}
}
