package drssim

import (
	"sync"
	"time"
)

// Lifetimes of the emulator's credentials and orders, on the emulator clock.
// The package documentation lists the choices Amazon does not document.
const (
	accessTokenTTL = time.Hour       // LWA expires_in 3600 (docs/wire.md, "The answer")
	authCodeTTL    = 5 * time.Minute // codes and consent pages
	deliveryDelay  = 48 * time.Hour  // from placement to expected delivery
	sweepEvery     = 1024            // credentials issued between sweeps of expired ones
)

// deviceKey identifies a device: Amazon keys registrations by security
// profile, model and serial.
type deviceKey struct{ clientID, model, serial string }

// modelInfo is a configured device model with a slot index.
type modelInfo struct {
	DeviceModel
	slotIndex map[string]int
}

// slot returns the slot with the given ID, or nil.
func (m *modelInfo) slot(id string) *Slot {
	if i, ok := m.slotIndex[id]; ok {
		return &m.Slots[i]
	}
	return nil
}

// device is the state of one linked device.
type device struct {
	key        deviceKey
	model      *modelInfo
	test       bool
	nonLive    bool
	registered bool
	subs       map[string]Product    // slot ID -> chosen product
	slotStatus map[string]SlotStatus // slot ID -> last report
	devStatus  *DeviceStatus
	lastOrder  map[string]*order // slot ID -> most recent order
}

type accessGrant struct {
	dev     *device
	expires time.Time
}

type refreshGrant struct {
	dev      *device
	clientID string
}

// authCode is an issued, not yet redeemed authorization code.
type authCode struct {
	dev         *device
	clientID    string
	redirectURI string
	challenge   string // PKCE code_challenge, empty without PKCE
	method      string // PKCE code_challenge_method
	expires     time.Time
}

// consent is a consent page shown and not yet answered.
type consent struct {
	clientID    string
	redirectURI string
	state       string
	hasState    bool
	model       *modelInfo
	serial      string
	test        bool
	nonLive     bool
	challenge   string
	method      string
	expires     time.Time
}

// state is everything the emulator remembers, guarded by mu.
type state struct {
	mu        sync.Mutex
	devices   map[deviceKey]*device
	devList   []*device // in link order
	access    map[string]*accessGrant
	refresh   map[string]*refreshGrant
	codes     map[string]*authCode
	consents  map[string]*consent
	orders    []*order
	orderByID map[string]*order
	issued    int
}

func newState() *state {
	return &state{
		devices:   map[deviceKey]*device{},
		access:    map[string]*accessGrant{},
		refresh:   map[string]*refreshGrant{},
		codes:     map[string]*authCode{},
		consents:  map[string]*consent{},
		orderByID: map[string]*order{},
	}
}

// link registers the device (creating it on first use) with the given flags
// and product choices, one per slot of the model. The caller holds mu.
func (st *state) link(clientID string, m *modelInfo, serial string, test, nonLive bool, choices map[string]Product) *device {
	k := deviceKey{clientID, m.ID, serial}
	d := st.devices[k]
	if d == nil {
		d = &device{key: k, model: m, slotStatus: map[string]SlotStatus{}, lastOrder: map[string]*order{}}
		st.devices[k] = d
		st.devList = append(st.devList, d)
	}
	d.test, d.nonLive, d.registered = test, nonLive, true
	d.subs = choices
	return d
}

// issueRefresh creates a refresh token for d. The caller holds mu.
func (st *state) issueRefresh(d *device, clientID string) string {
	tok := newRefreshToken()
	st.refresh[tok] = &refreshGrant{dev: d, clientID: clientID}
	return tok
}

// issueAccess creates an access token for d valid from now. The caller
// holds mu.
func (st *state) issueAccess(d *device, now time.Time) string {
	st.sweep(now)
	tok := newAccessToken()
	st.access[tok] = &accessGrant{dev: d, expires: now.Add(accessTokenTTL)}
	return tok
}

// deviceForAccess returns the registered device an unexpired access token
// belongs to, or nil. The caller holds mu.
func (st *state) deviceForAccess(tok string, now time.Time) *device {
	g := st.access[tok]
	if g == nil || !now.Before(g.expires) || !g.dev.registered {
		return nil
	}
	return g.dev
}

// revoke deregisters d: every access token, refresh token and code of the
// device stops working and its subscriptions are cleared. Orders stay in the
// order book. The caller holds mu.
func (st *state) revoke(d *device) {
	d.registered = false
	d.subs = nil
	for k, g := range st.access {
		if g.dev == d {
			delete(st.access, k)
		}
	}
	for k, g := range st.refresh {
		if g.dev == d {
			delete(st.refresh, k)
		}
	}
	for k, c := range st.codes {
		if c.dev == d {
			delete(st.codes, k)
		}
	}
}

// sweep drops expired access tokens, codes and consents every sweepEvery
// issuances, so that long runs do not grow without bound. The caller holds
// mu.
func (st *state) sweep(now time.Time) {
	st.issued++
	if st.issued%sweepEvery != 0 {
		return
	}
	for k, g := range st.access {
		if !now.Before(g.expires) {
			delete(st.access, k)
		}
	}
	for k, c := range st.codes {
		if !now.Before(c.expires) {
			delete(st.codes, k)
		}
	}
	for k, c := range st.consents {
		if !now.Before(c.expires) {
			delete(st.consents, k)
		}
	}
}
