package jobs

import (
	"context"
	"database/sql"
	"time"

	"github.com/amazondrs/drs/fleet/db"
	"github.com/riverqueue/river"
)

// DeleteDevice finishes the deletion of a device the admin deleted: it
// will deregister it at Amazon when linked (the next step brings linking),
// then moves it to the deleted state. Running it twice is harmless.
type DeleteDevice struct {
	DeviceID string `json:"device_id"`
}

// Kind implements [Job].
func (DeleteDevice) Kind() string { return "device_delete" }

// InsertOpts makes one pending job per device.
func (DeleteDevice) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type deleteWorker struct {
	river.WorkerDefaults[DeleteDevice]
	db  *sql.DB
	now func() time.Time
}

func (w *deleteWorker) Work(ctx context.Context, job *river.Job[DeleteDevice]) error {
	// No device is linked yet (linking is the next step), so there is no
	// Amazon call to make here; when there is, it goes before this
	// statement and outside any transaction.
	_, err := db.FinishDelete(ctx, w.db, job.Args.DeviceID, w.now())
	return err
}
