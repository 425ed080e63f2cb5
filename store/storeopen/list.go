package storeopen

import (
	"context"
	"fmt"

	"github.com/amazondrs/drs/store"
)

// List lists the devices of an encrypted store (see [store.Lister]); every
// store Open returns is a Lister.
func (e encrypted) List(ctx context.Context, clientID string) ([]store.Key, error) {
	l, ok := e.TokenStore.(store.Lister)
	if !ok {
		return nil, fmt.Errorf("storeopen: list: %w", store.ErrListUnsupported)
	}
	return l.List(ctx, clientID)
}
