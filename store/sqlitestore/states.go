package sqlitestore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/amazondrs/drs/store"
)

// PutState stores ls under state, replacing any state of the same name,
// after dropping every state that expired by the wall clock.
func (s *Store) PutState(ctx context.Context, state string, ls store.LoginState) error {
	if state == "" {
		return fmt.Errorf("sqlitestore %s: put state: empty state", s.path)
	}
	if err := ls.Validate(); err != nil {
		return fmt.Errorf("sqlitestore %s: put state: %w", s.path, err)
	}
	if _, err := s.writer.ExecContext(ctx, `DELETE FROM login_states WHERE expires <= ? AND state <> ?`,
		time.Now().UnixMicro(), state); err != nil {
		return fmt.Errorf("sqlitestore %s: put state: dropping expired states: %w", s.path, explain(s.path, err))
	}
	_, err := s.writer.ExecContext(ctx,
		`INSERT INTO login_states (state, client_id, device_model, serial, test_device, non_live, redirect_url, verifier, link, expires)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (state) DO UPDATE SET
			client_id = excluded.client_id, device_model = excluded.device_model, serial = excluded.serial,
			test_device = excluded.test_device, non_live = excluded.non_live,
			redirect_url = excluded.redirect_url, verifier = excluded.verifier, link = excluded.link,
			expires = excluded.expires`,
		state, ls.Key.ClientID, ls.Key.DeviceModel, ls.Key.Serial, ls.TestDevice, ls.NonLive, ls.RedirectURL,
		ls.Verifier, ls.Link, ls.Expires.UnixMicro())
	if err != nil {
		return fmt.Errorf("sqlitestore %s: put state for key %q: %w", s.path, ls.Key.String(), explain(s.path, err))
	}
	return nil
}

// TakeState deletes the state and returns it in one DELETE ... RETURNING
// statement, so it is accepted at most once. The same statement drops every
// state that expired by now.
func (s *Store) TakeState(ctx context.Context, state string, now time.Time) (store.LoginState, error) {
	rows, err := s.writer.QueryContext(ctx,
		`DELETE FROM login_states WHERE state = ? OR expires <= ?
		RETURNING state, client_id, device_model, serial, test_device, non_live, redirect_url, verifier, link, expires`,
		state, now.UnixMicro())
	if err != nil {
		return store.LoginState{}, fmt.Errorf("sqlitestore %s: take state: %w", s.path, explain(s.path, err))
	}
	defer rows.Close()
	var found *store.LoginState
	for rows.Next() {
		var name string
		var ls store.LoginState
		var expires int64
		if err := rows.Scan(&name, &ls.Key.ClientID, &ls.Key.DeviceModel, &ls.Key.Serial,
			&ls.TestDevice, &ls.NonLive, &ls.RedirectURL, &ls.Verifier, &ls.Link, &expires); err != nil {
			return store.LoginState{}, fmt.Errorf("sqlitestore %s: take state: %w", s.path, err)
		}
		if name == state {
			ls.Expires = time.UnixMicro(expires).UTC()
			found = &ls
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return store.LoginState{}, fmt.Errorf("sqlitestore %s: take state: %w", s.path, err)
	}
	if found == nil {
		return store.LoginState{}, fmt.Errorf("sqlitestore %s: take state: %w", s.path, store.ErrNotFound)
	}
	if found.Expired(now) {
		return store.LoginState{}, fmt.Errorf("sqlitestore %s: take state for key %q: expired at %s: %w",
			s.path, found.Key.String(), found.Expires.Format(time.RFC3339), store.ErrNotFound)
	}
	return *found, nil
}
