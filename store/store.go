// Package store defines where a device's refresh token and a login's pending
// state live between calls, restarts and machines: the [TokenStore] and
// [StateStore] contracts, an in-memory implementation ([Memory]) and
// encryption at rest for any TokenStore ([Encrypt]).
//
// A client keeps its device linked across restarts with drs.WithTokenStore:
// the client loads the refresh token when it is made and saves each new one
// the moment it arrives (a deregistration deletes it); the module's README
// shows the code, and the same by hand with Load, Save and Delete.
//
// Durable implementations live in their own packages so an agent only pulls
// the drivers it uses: store/filestore (a JSON file, the CLI's default),
// store/sqlitestore (modernc.org/sqlite, pure Go) and store/pgstore
// (PostgreSQL via pgx). Package store/storeopen opens any of them from a
// spec string such as "sqlite:/var/lib/drs/tokens.db", and store/storetest is
// the conformance suite every implementation passes.
//
// Errors from every implementation name the store and the key, and never
// contain a token. Nothing that cannot be read is ever overwritten: a token
// file that does not decode fails every call and is left as it is, and a
// Save over a single record that cannot be read (a file entry without a
// token, a value that none of an encrypted store's keys opens, or a value
// that an encrypted store could not load at all, even for a moment) fails
// and keeps the record; Delete the key first to replace it on purpose.
//
// To change the encryption key, open the store with the new key and the old
// one as previous (Encrypt(inner, newKey, oldKey), or
// storeopen.WithEncryptionKey(newKey, oldKey)), Load and Save every device
// key through it (each Save re-encrypts the token in place, so no token is
// ever missing from the store), then drop the old key.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrNotFound is returned (wrapped) by Load and TakeState when nothing is
// stored under the key.
var ErrNotFound = errors.New("store: not found")

// Key names one linked device: the LWA security profile and the DRS device
// model and serial.
type Key struct {
	// ClientID is the LWA security profile's client ID.
	ClientID string
	// DeviceModel is the DRS device model ID.
	DeviceModel string
	// Serial is the device's serial number.
	Serial string
}

// String returns the key as "clientID/model/serial"; it holds no secret.
func (k Key) String() string { return k.ClientID + "/" + k.DeviceModel + "/" + k.Serial }

// Validate reports an error naming the field that is empty (or all space)
// or not valid UTF-8 text (which not every store can keep exactly), if any.
// Every store refuses an invalid key.
func (k Key) Validate() error {
	for _, f := range []struct{ name, v string }{{"ClientID", k.ClientID}, {"DeviceModel", k.DeviceModel}, {"Serial", k.Serial}} {
		switch {
		case strings.TrimSpace(f.v) == "":
			return fmt.Errorf("store: key %q: %s is empty", k.String(), f.name)
		case !utf8.ValidString(f.v) || strings.ContainsRune(f.v, 0):
			return fmt.Errorf("store: key %q: %s is not valid UTF-8 text", k.String(), f.name)
		}
	}
	return nil
}

// TokenStore keeps one refresh token per device. Implementations are safe for
// concurrent use.
type TokenStore interface {
	// Load returns the refresh token saved under k, or an error wrapping
	// ErrNotFound.
	Load(ctx context.Context, k Key) (string, error)
	// Save stores refreshToken under k, replacing what was there; when it
	// returns nil the token is durable (as far as the implementation
	// documents). An empty refreshToken is refused: use Delete. A record
	// under k that the store cannot read is not replaced: Save fails and
	// keeps it.
	Save(ctx context.Context, k Key, refreshToken string) error
	// Delete removes k, even a record that cannot be read; deleting a
	// missing key is not an error.
	Delete(ctx context.Context, k Key) error
}

// LoginState is what a login remembers between sending the customer to LWA
// and the customer's return: which device the return trip belongs to.
type LoginState struct {
	// Key is the device the login links.
	Key Key
	// TestDevice is the login's is_test_device flag.
	TestDevice bool
	// NonLive is the login's should_include_non_live flag.
	NonLive bool
	// RedirectURL is the return URL sent to LWA; the code exchange repeats it.
	RedirectURL string
	// Verifier is the login's PKCE code_verifier (RFC 7636), sent with the
	// code exchange; it is a secret of the attempt, like the state itself.
	Verifier string
	// Link names the long-lived link the attempt was started from (its
	// public ID, never its secret), or is empty.
	Link string
	// Expires is when the state stops being accepted.
	Expires time.Time
}

// StateStore keeps pending login states so a login that starts on one agent
// instance can finish on another. Implementations are safe for concurrent use.
type StateStore interface {
	// PutState stores s under state, replacing any state stored under the
	// same name. It refuses an empty state and a LoginState whose Validate
	// fails. It also drops states that expired by the wall clock
	// (time.Now), all of them or a bounded batch per call, so that the
	// rows a store holds are bounded by the states stored within their
	// lifetime, whether or not they are ever taken.
	PutState(ctx context.Context, state string, s LoginState) error
	// TakeState returns and deletes the state in one step, so a state is
	// accepted at most once, even by concurrent callers on several machines;
	// a missing or expired one (see [LoginState.Expired]) is an error wrapping
	// ErrNotFound.
	TakeState(ctx context.Context, state string, now time.Time) (LoginState, error)
}

// Validate reports an error if s cannot be stored: its Key is invalid or its
// Expires is zero.
func (s LoginState) Validate() error {
	if err := s.Key.Validate(); err != nil {
		return err
	}
	if s.Expires.IsZero() {
		return fmt.Errorf("store: login state for key %q: Expires is zero", s.Key.String())
	}
	return nil
}

// Expired reports whether s is no longer accepted at now: a state is
// accepted strictly before its Expires.
func (s LoginState) Expired(now time.Time) bool { return !now.Before(s.Expires) }
