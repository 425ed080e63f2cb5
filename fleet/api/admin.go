package api

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/amazondrs/drs/fleet/db"
	"github.com/amazondrs/drs/fleet/jobs"
)

// AdminDevice is a device as the admin API shows it. DeviceToken is set
// only in the answers that make one (provision, rotate): it is shown once.
type AdminDevice struct {
	ID          string    `json:"id"`
	Model       string    `json:"model"`
	Serial      string    `json:"serial"`
	TestDevice  bool      `json:"test_device"`
	NonLive     bool      `json:"non_live"`
	State       string    `json:"state"`
	Linked      bool      `json:"linked"`
	LinkURL     string    `json:"link_url,omitempty"`
	DeviceToken string    `json:"device_token,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// DeviceList is a page of devices; NextCursor is empty on the last page.
type DeviceList struct {
	Devices    []AdminDevice `json:"devices"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

// ProvisionRequest is the body of POST /admin/v1/devices.
type ProvisionRequest struct {
	Model      string `json:"model"`
	Serial     string `json:"serial"`
	TestDevice bool   `json:"test_device"`
	NonLive    bool   `json:"non_live"`
}

// Page sizes of GET /admin/v1/devices.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

func (a *API) view(d db.Device) AdminDevice {
	v := AdminDevice{ID: d.ID, Model: d.Model, Serial: d.Serial, TestDevice: d.TestDevice, NonLive: d.NonLive,
		State: d.State, Linked: d.Linked, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
	if d.LinkID != "" && !d.Linked {
		v.LinkURL = a.cfg.PublicURL + "/link/" + d.LinkID
	}
	return v
}

// checkName validates a model ID or serial: 1 to 128 bytes of valid UTF-8
// without U+FFFD, printable characters, no spaces.
func checkName(field, v string) *requestError {
	if v == "" {
		return badField("field %q is required", field)
	}
	if len(v) > 128 {
		return badField("field %q is over 128 bytes", field)
	}
	// encoding/json turns a lone surrogate escape (\ud800) into U+FFFD;
	// decodeJSON refuses invalid UTF-8 in the body before that.
	if !utf8.ValidString(v) || strings.ContainsRune(v, utf8.RuneError) {
		return badField("field %q is not valid UTF-8 (or holds U+FFFD, as a lone surrogate escape decodes to)", field)
	}
	for _, r := range v {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return badField("field %q holds a space or a control character", field)
		}
	}
	return nil
}

func (a *API) provision(w http.ResponseWriter, r *http.Request) {
	var req ProvisionRequest
	if e := decodeJSON(w, r, a.cfg.MaxBody, &req); e != nil {
		writeError(w, e.status, e.code, e.message)
		return
	}
	for _, e := range []*requestError{checkName("model", req.Model), checkName("serial", req.Serial)} {
		if e != nil {
			writeError(w, e.status, e.code, e.message)
			return
		}
	}
	now := a.cfg.Now()
	d := db.Device{ID: newDeviceID(), Model: req.Model, Serial: req.Serial, TestDevice: req.TestDevice,
		NonLive: req.NonLive, LinkID: newLinkID(), State: db.StateActive, CreatedAt: now, UpdatedAt: now}
	token, hash := newDeviceToken(d.ID)
	err := db.CreateDevice(r.Context(), a.sql, d, hash)
	if errors.Is(err, db.ErrExists) {
		writeError(w, http.StatusConflict, CodeDeviceExists, "a device with this model and serial is provisioned; delete it first or use its id")
		return
	}
	if err != nil {
		a.internal(w, r, "provisioning", err)
		return
	}
	info(r.Context()).deviceID = d.ID
	v := a.view(d)
	v.DeviceToken = token
	w.Header().Set("Location", "/admin/v1/devices/"+d.ID)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, v)
}

func (a *API) listDevices(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := DefaultPageSize
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPageSize {
			writeError(w, http.StatusBadRequest, CodeInvalidField, "limit must be a whole number from 1 to "+strconv.Itoa(MaxPageSize))
			return
		}
		limit = n
	}
	cursor := q.Get("cursor")
	if len(cursor) > 64 {
		writeError(w, http.StatusBadRequest, CodeInvalidField, "cursor is not one this server gave")
		return
	}
	devs, err := db.ListDevices(r.Context(), a.sql, cursor, limit+1)
	if err != nil {
		a.internal(w, r, "listing devices", err)
		return
	}
	out := DeviceList{Devices: []AdminDevice{}}
	if len(devs) > limit {
		devs = devs[:limit]
		out.NextCursor = devs[limit-1].ID
	}
	for _, d := range devs {
		out.Devices = append(out.Devices, a.view(d))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) adminGetDevice(w http.ResponseWriter, r *http.Request) {
	d, err := db.GetDevice(r.Context(), a.sql, r.PathValue("id"))
	if a.dbError(w, r, err) {
		return
	}
	writeJSON(w, http.StatusOK, a.view(d))
}

// dbError answers err, if any: 404 for [db.ErrNotFound], else 500.
func (a *API) dbError(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, db.ErrNotFound):
		writeError(w, http.StatusNotFound, CodeNotFound, "no such device")
	default:
		a.internal(w, r, "admin request", err)
	}
	return true
}

// inTx runs fn in a transaction and commits it. fn must make no network
// call and no call on the pool (one connection on SQLite).
func (a *API) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := a.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

func (a *API) rotateToken(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	token, hash := newDeviceToken(id)
	var d db.Device
	err := a.inTx(r.Context(), func(tx *sql.Tx) error {
		if err := db.SetTokenHash(r.Context(), tx, id, hash, a.cfg.Now()); err != nil {
			return err
		}
		var err error
		d, err = db.GetDevice(r.Context(), tx, id)
		return err
	})
	if a.dbError(w, r, err) {
		return
	}
	v := a.view(d)
	v.DeviceToken = token
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, v)
}

func (a *API) newLinkURL(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var d db.Device
	err := a.inTx(r.Context(), func(tx *sql.Tx) error {
		if err := db.SetLinkID(r.Context(), tx, id, newLinkID(), a.cfg.Now()); err != nil {
			return err
		}
		var err error
		d, err = db.GetDevice(r.Context(), tx, id)
		return err
	})
	if a.dbError(w, r, err) {
		return
	}
	writeJSON(w, http.StatusOK, a.view(d))
}

// deleteDevice marks the device deleted and, in the same transaction,
// enqueues the job that finishes it (deregistering at Amazon once devices
// can be linked).
func (a *API) deleteDevice(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := a.inTx(r.Context(), func(tx *sql.Tx) error {
		if err := db.DeleteDevice(r.Context(), tx, id, a.cfg.Now()); err != nil {
			return err
		}
		return a.cfg.Jobs.EnqueueTx(r.Context(), tx, jobs.DeleteDevice{DeviceID: id})
	})
	if a.dbError(w, r, err) {
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
