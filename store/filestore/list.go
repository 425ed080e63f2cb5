package filestore

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/amazondrs/drs/store"
)

var _ store.Lister = (*Store)(nil)

// List returns the keys of the file's entries for clientID, sorted (see
// [store.Lister]). A key is read from the entry's name, so an entry whose
// content is damaged is listed too (drs token delete can then remove it).
func (s *Store) List(ctx context.Context, clientID string) ([]store.Key, error) {
	if err := store.CheckListClientID(s.String(), clientID); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: list: %w", s.String(), err)
	}
	d, err := readFile(s.path)
	if err != nil {
		return nil, fmt.Errorf("%s: list: %w", s.String(), err)
	}
	keys := []store.Key{}
	for name := range d.Tokens {
		if k, ok := keyFromName(name); ok && k.ClientID == clientID {
			keys = append(keys, k)
		}
	}
	store.SortKeys(keys)
	return keys, nil
}

// keyFromName reverses mapKey; ok is false for a name mapKey cannot make.
func keyFromName(name string) (store.Key, bool) {
	parts := strings.Split(name, "/")
	if len(parts) != 3 {
		return store.Key{}, false
	}
	for i, p := range parts {
		// mapKey escapes only "%" and "/"; PathUnescape reverses both.
		v, err := url.PathUnescape(p)
		if err != nil {
			return store.Key{}, false
		}
		parts[i] = v
	}
	return store.Key{ClientID: parts[0], DeviceModel: parts[1], Serial: parts[2]}, true
}
