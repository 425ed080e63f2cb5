package jobs_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/amazondrs/drs/fleet/db"
	"github.com/amazondrs/drs/fleet/jobs"
)

// TestEnqueueTxFollowsTheTransaction checks that a job enqueued in a
// rolled-back transaction never runs and one in a committed transaction
// does, on a real SQLite file with River's riversqlite driver.
func TestEnqueueTxFollowsTheTransaction(t *testing.T) {
	t.Parallel()
	d, err := db.Open(t.Context(), db.Spec{Driver: "sqlite", Path: filepath.Join(t.TempDir(), "fleet.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := jobs.Migrate(t.Context(), d.SQL); err != nil {
		t.Fatal(err)
	}
	r, err := jobs.New(jobs.Config{DB: d.SQL})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, id := range []string{"dev_rolledback", "dev_committed"} {
		if err := db.CreateDevice(t.Context(), d.SQL, db.Device{ID: id, Model: "M", Serial: id, LinkID: id, CreatedAt: now}, []byte(id)); err != nil {
			t.Fatal(err)
		}
		tx, err := d.SQL.BeginTx(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteDevice(t.Context(), tx, id, now); err != nil {
			t.Fatal(err)
		}
		if err := r.EnqueueTx(t.Context(), tx, jobs.DeleteDevice{DeviceID: id}); err != nil {
			t.Fatal(err)
		}
		if id == "dev_rolledback" {
			err = tx.Rollback()
		} else {
			err = tx.Commit()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	completed, stop := r.Completed()
	defer stop()
	if err := r.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-completed:
	case <-t.Context().Done():
		t.Fatal("the committed job never completed")
	}
	if err := r.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := d.SQL.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM river_job`).Scan(&n); err != nil || n != 1 {
		t.Errorf("river_job rows = %d, %v; want 1 (the rolled-back one never existed)", n, err)
	}
	if st, err := db.DeviceState(t.Context(), d.SQL, "dev_committed"); err != nil || st != db.StateDeleted {
		t.Errorf("committed device state %q, %v; want deleted", st, err)
	}
	if st, err := db.DeviceState(t.Context(), d.SQL, "dev_rolledback"); err != nil || st != db.StateActive {
		t.Errorf("rolled-back device state %q, %v; want active", st, err)
	}
	if _, err := db.GetDevice(t.Context(), d.SQL, "dev_committed"); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("GetDevice(deleted) = %v, want ErrNotFound", err)
	}
}
