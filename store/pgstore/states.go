package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/amazondrs/drs/store"
	"github.com/jackc/pgx/v5"
)

// PutState stores ls under state, replacing any state of the same name. In
// the same round trip (and transaction) it drops up to 100 states that
// expired by the wall clock, skipping rows other sessions have locked: as
// each put drops up to 100 and adds one, expired rows do not pile up.
func (s *Store) PutState(ctx context.Context, state string, ls store.LoginState) error {
	if state == "" {
		return fmt.Errorf("pgstore %s: put state: empty state", s.name)
	}
	if err := ls.Validate(); err != nil {
		return fmt.Errorf("pgstore %s: put state: %w", s.name, err)
	}
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM drs_login_states WHERE state IN (
		SELECT state FROM drs_login_states WHERE expires <= $1 AND state <> $2 LIMIT 100 FOR UPDATE SKIP LOCKED)`, time.Now(), state)
	b.Queue(
		`INSERT INTO drs_login_states (state, client_id, device_model, serial, test_device, non_live, redirect_url, verifier, link, expires)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (state) DO UPDATE SET
			client_id = EXCLUDED.client_id, device_model = EXCLUDED.device_model, serial = EXCLUDED.serial,
			test_device = EXCLUDED.test_device, non_live = EXCLUDED.non_live,
			redirect_url = EXCLUDED.redirect_url, verifier = EXCLUDED.verifier, link = EXCLUDED.link,
			expires = EXCLUDED.expires`,
		state, ls.Key.ClientID, ls.Key.DeviceModel, ls.Key.Serial, ls.TestDevice, ls.NonLive, ls.RedirectURL,
		ls.Verifier, ls.Link, ls.Expires)
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("pgstore %s: put state for key %q: %w", s.name, ls.Key.String(), err)
	}
	return nil
}

// TakeState deletes the state and returns it with one DELETE ... RETURNING,
// so among any number of instances exactly one gets it; an expired state is
// deleted and refused. In the same round trip (and transaction) it drops up to
// 100 other expired states, skipping rows other sessions have locked.
func (s *Store) TakeState(ctx context.Context, state string, now time.Time) (store.LoginState, error) {
	b := &pgx.Batch{}
	var ls store.LoginState
	found := false
	b.Queue(`DELETE FROM drs_login_states WHERE state = $1
		RETURNING client_id, device_model, serial, test_device, non_live, redirect_url, verifier, link, expires`, state).
		QueryRow(func(row pgx.Row) error {
			err := row.Scan(&ls.Key.ClientID, &ls.Key.DeviceModel, &ls.Key.Serial,
				&ls.TestDevice, &ls.NonLive, &ls.RedirectURL, &ls.Verifier, &ls.Link, &ls.Expires)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			found = err == nil
			return err
		})
	b.Queue(`DELETE FROM drs_login_states WHERE state IN (
		SELECT state FROM drs_login_states WHERE expires <= $1 LIMIT 100 FOR UPDATE SKIP LOCKED)`, now)
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return store.LoginState{}, fmt.Errorf("pgstore %s: take state: %w", s.name, err)
	}
	if !found {
		return store.LoginState{}, fmt.Errorf("pgstore %s: take state: %w", s.name, store.ErrNotFound)
	}
	ls.Expires = ls.Expires.UTC()
	if ls.Expired(now) {
		return store.LoginState{}, fmt.Errorf("pgstore %s: take state for key %q: expired at %s: %w",
			s.name, ls.Key.String(), ls.Expires.Format(time.RFC3339), store.ErrNotFound)
	}
	return ls, nil
}
