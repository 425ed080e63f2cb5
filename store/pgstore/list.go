package pgstore

import (
	"context"
	"fmt"

	"github.com/amazondrs/drs/store"
)

var _ store.Lister = (*Store)(nil)

// List returns the keys stored for clientID, sorted (see [store.Lister]).
func (s *Store) List(ctx context.Context, clientID string) ([]store.Key, error) {
	if err := store.CheckListClientID(s.String(), clientID); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx,
		`SELECT device_model, serial FROM drs_tokens WHERE client_id = $1`, clientID)
	if err != nil {
		return nil, fmt.Errorf("%s: list: %w", s.String(), err)
	}
	defer rows.Close()
	keys := []store.Key{}
	for rows.Next() {
		k := store.Key{ClientID: clientID}
		if err := rows.Scan(&k.DeviceModel, &k.Serial); err != nil {
			return nil, fmt.Errorf("%s: list: %w", s.String(), err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: list: %w", s.String(), err)
	}
	store.SortKeys(keys) // in Go, not SQL: byte order, whatever the collation
	return keys, nil
}
