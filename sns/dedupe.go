package sns

import (
	"context"
	"sync"
	"time"
)

// A Dedupe remembers which SNS MessageIds were handled, so that a message
// SNS sends again is reported once. The [Handler] calls Seen before the
// callback and Mark only after the callback succeeded. A database-backed
// Dedupe may use a unique key on the MessageId.
type Dedupe interface {
	// Seen reports whether id was marked.
	Seen(ctx context.Context, id string) (bool, error)
	// Mark records id as handled.
	Mark(ctx context.Context, id string) error
}

// MemoryDedupe is a Dedupe in memory: it keeps each MessageId for a TTL
// (beyond which SNS no longer retries and the Verifier refuses the message
// as stale) and at most a fixed number of them, forgetting the oldest
// first. It is safe for concurrent use.
type MemoryDedupe struct {
	ttl   time.Duration
	max   int
	now   func() time.Time
	mu    sync.Mutex
	seen  map[string]time.Time
	order []string // ids in the order marked
}

// Defaults of NewMemoryDedupe.
const (
	DefaultDedupeTTL     = DefaultMaxAge + 15*time.Minute
	DefaultDedupeEntries = 100_000
)

// NewMemoryDedupe returns a MemoryDedupe keeping ids for ttl and at most
// max of them (0 for either: the defaults); now is its clock (nil:
// time.Now).
func NewMemoryDedupe(ttl time.Duration, max int, now func() time.Time) *MemoryDedupe {
	if ttl <= 0 {
		ttl = DefaultDedupeTTL
	}
	if max <= 0 {
		max = DefaultDedupeEntries
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryDedupe{ttl: ttl, max: max, now: now, seen: make(map[string]time.Time)}
}

// Seen reports whether id was marked within the TTL.
func (d *MemoryDedupe) Seen(_ context.Context, id string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.seen[id]
	return ok && d.now().Sub(t) < d.ttl, nil
}

// Mark records id, forgetting expired ids and, past the cap, the oldest.
func (d *MemoryDedupe) Mark(_ context.Context, id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	if _, ok := d.seen[id]; !ok {
		d.order = append(d.order, id)
	}
	d.seen[id] = now
	for len(d.order) > 0 {
		old := d.order[0]
		if len(d.order) <= d.max && now.Sub(d.seen[old]) < d.ttl {
			break
		}
		delete(d.seen, old)
		d.order = d.order[1:]
	}
	return nil
}

// Len returns how many ids are remembered.
func (d *MemoryDedupe) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.seen)
}
