package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNotFound reports a device that does not exist or was deleted.
var ErrNotFound = errors.New("db: not found")

// ErrExists reports a device whose model and serial are already
// provisioned.
var ErrExists = errors.New("db: a device with this model and serial exists")

// Querier is what queries run on: the pool or a transaction.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Device states.
const (
	StateActive   = "active"
	StateDeleting = "deleting" // deleted by the admin; the job finishing it has not run
	StateDeleted  = "deleted"
)

// Device is a provisioned device. The token hash is not part of it: only
// [TokenHash] reads it.
type Device struct {
	ID         string
	Model      string
	Serial     string
	TestDevice bool
	NonLive    bool
	LinkID     string
	Linked     bool
	State      string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

const deviceCols = `id, model, serial, test_device, non_live, COALESCE(link_id, ''), linked, state, created_at, updated_at`

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func scanDevice(row interface{ Scan(...any) error }) (Device, error) {
	var d Device
	var created, updated string
	if err := row.Scan(&d.ID, &d.Model, &d.Serial, &d.TestDevice, &d.NonLive, &d.LinkID, &d.Linked, &d.State, &created, &updated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Device{}, ErrNotFound
		}
		return Device{}, fmt.Errorf("db: reading a device: %w", err)
	}
	var err error
	if d.CreatedAt, err = time.Parse(time.RFC3339Nano, created); err != nil {
		return Device{}, fmt.Errorf("db: device %s: created_at: %w", d.ID, err)
	}
	if d.UpdatedAt, err = time.Parse(time.RFC3339Nano, updated); err != nil {
		return Device{}, fmt.Errorf("db: device %s: updated_at: %w", d.ID, err)
	}
	return d, nil
}

// CreateDevice inserts d with the hash of its device token. A model and
// serial already provisioned (and not deleted) is [ErrExists].
func CreateDevice(ctx context.Context, q Querier, d Device, tokenHash []byte) error {
	_, err := q.ExecContext(ctx, `INSERT INTO devices (id, model, serial, test_device, non_live, token_hash, link_id, linked, state, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
		d.ID, d.Model, d.Serial, d.TestDevice, d.NonLive, tokenHash, d.LinkID, StateActive, ts(d.CreatedAt), ts(d.CreatedAt))
	if err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed: devices.model, devices.serial") {
		return ErrExists
	}
	if err != nil {
		return fmt.Errorf("db: creating a device: %w", err)
	}
	return nil
}

// GetDevice returns the device id names, or [ErrNotFound] if there is
// none or it was deleted.
func GetDevice(ctx context.Context, q Querier, id string) (Device, error) {
	return scanDevice(q.QueryRowContext(ctx, `SELECT `+deviceCols+` FROM devices WHERE id = ? AND deleted_at IS NULL`, id))
}

// ListDevices returns up to limit devices whose id sorts after cursor (""
// for the first page), by id, without deleted ones.
func ListDevices(ctx context.Context, q Querier, cursor string, limit int) ([]Device, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+deviceCols+` FROM devices WHERE deleted_at IS NULL AND id > ? ORDER BY id LIMIT ?`, cursor, limit)
	if err != nil {
		return nil, fmt.Errorf("db: listing devices: %w", err)
	}
	defer rows.Close()
	var out []Device
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// TokenHash returns the hash of the device token of device id, or
// [ErrNotFound].
func TokenHash(ctx context.Context, q Querier, id string) ([]byte, error) {
	var h []byte
	err := q.QueryRowContext(ctx, `SELECT token_hash FROM devices WHERE id = ? AND deleted_at IS NULL AND token_hash IS NOT NULL`, id).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("db: reading a token hash: %w", err)
	}
	return h, nil
}

// update runs an UPDATE on one live device and maps "no row" to
// [ErrNotFound].
func update(ctx context.Context, q Querier, query string, args ...any) error {
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("db: updating a device: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("db: updating a device: %w", err)
	} else if n == 0 {
		return ErrNotFound
	}
	return nil
}

// SetTokenHash replaces the device token's hash of device id.
func SetTokenHash(ctx context.Context, q Querier, id string, hash []byte, now time.Time) error {
	return update(ctx, q, `UPDATE devices SET token_hash = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL`, hash, ts(now), id)
}

// SetLinkID replaces the link ID of device id.
func SetLinkID(ctx context.Context, q Querier, id, linkID string, now time.Time) error {
	return update(ctx, q, `UPDATE devices SET link_id = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL`, linkID, ts(now), id)
}

// DeleteDevice marks device id deleted (state [StateDeleting]) and drops
// its device token and link; the row stays, as history.
func DeleteDevice(ctx context.Context, q Querier, id string, now time.Time) error {
	return update(ctx, q, `UPDATE devices SET deleted_at = ?, updated_at = ?, token_hash = NULL, link_id = NULL, state = ? WHERE id = ? AND deleted_at IS NULL`,
		ts(now), ts(now), StateDeleting, id)
}

// FinishDelete moves a deleted device from [StateDeleting] to
// [StateDeleted]; it reports whether it changed anything.
func FinishDelete(ctx context.Context, q Querier, id string, now time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE devices SET state = ?, updated_at = ? WHERE id = ? AND state = ?`, StateDeleted, ts(now), id, StateDeleting)
	if err != nil {
		return false, fmt.Errorf("db: finishing a delete: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// DeviceState returns the state of device id, deleted or not.
func DeviceState(ctx context.Context, q Querier, id string) (string, error) {
	var s string
	err := q.QueryRowContext(ctx, `SELECT state FROM devices WHERE id = ?`, id).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return s, err
}

// CountDevices returns the number of live devices.
func CountDevices(ctx context.Context, q Querier) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM devices WHERE deleted_at IS NULL`).Scan(&n)
	return n, err
}
