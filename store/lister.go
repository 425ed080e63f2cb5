package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Lister is implemented by token stores that can list the devices they hold
// a refresh token for. It is optional: a [TokenStore] need not list, and a
// caller tests for it with a type assertion (the drs CLI's "drs device list"
// does). The file, SQLite and PostgreSQL stores, [Memory] and the store
// [Encrypt] returns (when its inner store lists) implement it.
type Lister interface {
	// List returns the keys stored for the LWA client ID clientID, sorted
	// by device model and then serial, and an empty slice when there are
	// none. It lists every record, even one whose token cannot be read,
	// and never returns a token. An empty clientID is an error.
	List(ctx context.Context, clientID string) ([]Key, error)
}

// ErrListUnsupported is wrapped by the error of a List that wraps a store
// which cannot list (see [Lister]).
var ErrListUnsupported = fmt.Errorf("store: this token store cannot list its devices: %w", errors.ErrUnsupported)

// CheckListClientID returns an error naming the store if clientID cannot
// be listed: it is empty or all space.
func CheckListClientID(name, clientID string) error {
	if strings.TrimSpace(clientID) == "" {
		return fmt.Errorf("%s: list: empty client ID", name)
	}
	return nil
}

// SortKeys sorts keys by device model, then serial, then client ID, the
// order [Lister.List] returns.
func SortKeys(keys []Key) {
	slices.SortFunc(keys, func(a, b Key) int {
		return cmp.Or(cmp.Compare(a.DeviceModel, b.DeviceModel), cmp.Compare(a.Serial, b.Serial), cmp.Compare(a.ClientID, b.ClientID))
	})
}

// List lists the keys of the [MemoryStore] stored for clientID.
func (m *MemoryStore) List(ctx context.Context, clientID string) ([]Key, error) {
	if err := CheckListClientID(m.String(), clientID); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: list: %w", m.String(), err)
	}
	m.mu.Lock()
	keys := []Key{}
	for k := range m.tokens {
		if k.ClientID == clientID {
			keys = append(keys, k)
		}
	}
	m.mu.Unlock()
	SortKeys(keys)
	return keys, nil
}

// List lists the inner store's keys for clientID, when the inner store is
// a [Lister]; otherwise it fails with an error wrapping [ErrListUnsupported].
func (e *encrypted) List(ctx context.Context, clientID string) ([]Key, error) {
	l, ok := e.inner.(Lister)
	if !ok {
		return nil, fmt.Errorf("%s: list: %w", e.String(), ErrListUnsupported)
	}
	return l.List(ctx, clientID)
}
