package login

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/amazondrs/drs"
	"github.com/amazondrs/drs/store"
)

// ErrLinkUsed is returned (wrapped) by [LinkStore.UseLink] for a link that
// has already linked its device.
var ErrLinkUsed = errors.New("login: link already used")

// Link is a store-backed link as a [LinkStore] keeps it: never the ID
// itself, only its hash.
type Link struct {
	// ClientID is the LWA security profile the device is linked under.
	ClientID string
	// Device is the device the link links.
	Device drs.Device
	// Hash is the SHA-256 of the whole link ID.
	Hash []byte
	// Created is when the link was made.
	Created time.Time
	// Used is when the link linked its device; zero while it has not.
	Used time.Time
}

// Key returns the token-store key of the link's device.
func (l Link) Key() store.Key { return l.Device.Key(l.ClientID) }

// LinkStore keeps store-backed links so that every instance serves them.
// Implementations are safe for concurrent use; drs serve keeps them in its
// database, [MemoryLinks] in memory.
type LinkStore interface {
	// PutLink stores l under name as the one link of its device (ClientID,
	// Device.Model, Device.Serial), deleting the device's previous link.
	PutLink(ctx context.Context, name string, l Link) error
	// GetLink returns the link stored under name, or an error wrapping
	// store.ErrNotFound.
	GetLink(ctx context.Context, name string) (Link, error)
	// UseLink marks the link under name used at t, once, atomically: among
	// concurrent callers (on any instance) exactly one succeeds; the others
	// get an error wrapping ErrLinkUsed, and every caller gets one wrapping
	// store.ErrNotFound once the link is gone (replaced by NewLink). The
	// return trip claims the link with it before exchanging the code.
	UseLink(ctx context.Context, name string, t time.Time) error
	// ReleaseLink undoes the UseLink at t of the link under name (the
	// exchange that followed the claim did not link the device, or the token
	// could not be saved), so that the link can link its device again. A
	// link used at another time, or gone, is left alone without an error.
	ReleaseLink(ctx context.Context, name string, t time.Time) error
}

// linkIDBytes is the size of a link ID's randomness; nameLen is how many of
// its characters name it in the store.
const (
	linkIDBytes = 32
	nameLen     = 12
)

// newLinkID returns a fresh link ID, its name and its hash.
func newLinkID() (id, name string, hash []byte) {
	b := make([]byte, linkIDBytes)
	rand.Read(b)
	id = base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(id))
	return id, id[:nameLen], h[:]
}

// linkName returns the name part of a presented link ID, or "" if the ID
// cannot be one.
func linkName(id string) string {
	if len(id) != base64.RawURLEncoding.EncodedLen(linkIDBytes) {
		return ""
	}
	if _, err := base64.RawURLEncoding.DecodeString(id); err != nil {
		return ""
	}
	return id[:nameLen]
}

// hashMatches reports, in constant time, whether id hashes to hash.
func hashMatches(id string, hash []byte) bool {
	h := sha256.Sum256([]byte(id))
	return len(hash) == len(h) && subtle.ConstantTimeCompare(h[:], hash) == 1
}

// MemoryLinks returns a LinkStore in memory, for one instance and tests.
func MemoryLinks() LinkStore {
	return &memLinks{byName: map[string]Link{}, byKey: map[store.Key]string{}}
}

type memLinks struct {
	mu     sync.Mutex
	byName map[string]Link
	byKey  map[store.Key]string
}

func (m *memLinks) PutLink(ctx context.Context, name string, l Link) error {
	if name == "" || len(l.Hash) == 0 {
		return errors.New("login: memory links: empty name or hash")
	}
	if err := l.Key().Validate(); err != nil {
		return fmt.Errorf("login: memory links: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.byKey[l.Key()]; ok {
		delete(m.byName, old)
	}
	l.Hash = append([]byte(nil), l.Hash...)
	m.byName[name], m.byKey[l.Key()] = l, name
	return nil
}

func (m *memLinks) GetLink(ctx context.Context, name string) (Link, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.byName[name]
	if !ok {
		return Link{}, fmt.Errorf("login: memory links: link %q: %w", name, store.ErrNotFound)
	}
	return l, nil
}

func (m *memLinks) UseLink(ctx context.Context, name string, t time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.byName[name]
	switch {
	case !ok:
		return fmt.Errorf("login: memory links: link %q: %w", name, store.ErrNotFound)
	case !l.Used.IsZero():
		return fmt.Errorf("login: memory links: link %q: %w", name, ErrLinkUsed)
	}
	l.Used = t
	m.byName[name] = l
	return nil
}

func (m *memLinks) ReleaseLink(ctx context.Context, name string, t time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.byName[name]; ok && l.Used.Equal(t) {
		l.Used = time.Time{}
		m.byName[name] = l
	}
	return nil
}

// NewLink makes a store-backed link for d under clientID and returns its ID
// (the last path segment of the link URL, e.g. <public-url>/link/<ID>). The
// device's previous link stops working. The ID is shown once: only its hash
// is stored. Rotation also ends the attempts already started from the old
// link: their return trips find the old link gone and are refused (410).
func (h *Handler) NewLink(ctx context.Context, clientID string, d drs.Device) (string, error) {
	if h.cfg.Links == nil {
		return "", &drs.Error{Code: drs.CodeGeneral, Op: "NewLink", Message: "the handler has no LinkStore (Config.Links)"}
	}
	if err := d.Validate(); err != nil {
		return "", &drs.Error{Code: drs.CodeGeneral, Op: "NewLink", Message: err.Error()}
	}
	id, name, hash := newLinkID()
	if err := h.cfg.Links.PutLink(ctx, name, Link{ClientID: clientID, Device: d, Hash: hash, Created: h.cfg.Now()}); err != nil {
		return "", &drs.Error{Code: drs.CodeGeneral, Op: "NewLink", Message: "saving the link", Err: err}
	}
	return id, nil
}
