package filestore

import (
	"context"
	"fmt"
	"time"

	"github.com/amazondrs/drs/store"
)

// stateEntry is a pending login state as the file holds it.
type stateEntry struct {
	ClientID    string    `json:"client_id"`
	DeviceModel string    `json:"device_model"`
	Serial      string    `json:"serial"`
	TestDevice  bool      `json:"test_device,omitempty"`
	NonLive     bool      `json:"non_live,omitempty"`
	RedirectURL string    `json:"redirect_url"`
	Verifier    string    `json:"verifier,omitempty"`
	Link        string    `json:"link,omitempty"`
	Expires     time.Time `json:"expires"`
}

func (e stateEntry) loginState() store.LoginState {
	return store.LoginState{
		Key:         store.Key{ClientID: e.ClientID, DeviceModel: e.DeviceModel, Serial: e.Serial},
		TestDevice:  e.TestDevice,
		NonLive:     e.NonLive,
		RedirectURL: e.RedirectURL,
		Verifier:    e.Verifier,
		Link:        e.Link,
		Expires:     e.Expires,
	}
}

// PutState stores s under state in the file, so a login started by one
// process can be finished by another on the same machine. State names are
// written to the file until taken or expired: states that expired by the
// wall clock are dropped from the file on the way.
func (s *Store) PutState(ctx context.Context, state string, ls store.LoginState) error {
	if state == "" {
		return fmt.Errorf("filestore %s: put state: empty state", s.path)
	}
	if err := ls.Validate(); err != nil {
		return fmt.Errorf("filestore %s: put state: %w", s.path, err)
	}
	err := s.update(ctx, func(d *fileData) (bool, error) {
		now := time.Now()
		for name, e := range d.States {
			if e.loginState().Expired(now) {
				delete(d.States, name)
			}
		}
		d.States[state] = stateEntry{
			ClientID: ls.Key.ClientID, DeviceModel: ls.Key.DeviceModel, Serial: ls.Key.Serial,
			TestDevice: ls.TestDevice, NonLive: ls.NonLive, RedirectURL: ls.RedirectURL,
			Verifier: ls.Verifier, Link: ls.Link, Expires: ls.Expires.UTC(),
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("filestore %s: put state for key %q: %w", s.path, ls.Key.String(), err)
	}
	return nil
}

// TakeState removes the state from the file and returns it, under the file
// lock, so it is accepted at most once across processes. States that expired
// by now are dropped from the file on the way.
func (s *Store) TakeState(ctx context.Context, state string, now time.Time) (store.LoginState, error) {
	var found *stateEntry
	err := s.update(ctx, func(d *fileData) (bool, error) {
		changed := false
		if e, ok := d.States[state]; ok {
			found = &e
			delete(d.States, state)
			changed = true
		}
		for name, e := range d.States {
			if e.loginState().Expired(now) {
				delete(d.States, name)
				changed = true
			}
		}
		return changed, nil
	})
	switch {
	case err != nil:
		return store.LoginState{}, fmt.Errorf("filestore %s: take state: %w", s.path, err)
	case found == nil:
		return store.LoginState{}, fmt.Errorf("filestore %s: take state: %w", s.path, store.ErrNotFound)
	}
	ls := found.loginState()
	if ls.Expired(now) {
		return store.LoginState{}, fmt.Errorf("filestore %s: take state for key %q: expired at %s: %w",
			s.path, ls.Key.String(), ls.Expires.Format(time.RFC3339), store.ErrNotFound)
	}
	return ls, nil
}
