// Package jobs runs the fleet server's background work on River
// (github.com/riverqueue/river, driver riversqlite): typed job arguments, a
// worker per kind, enqueued in the transaction of the row that needs them.
//
// The rest of the server sees only [Enqueuer]: the API adds a job with
// EnqueueTx inside its own transaction, so a job exists if and only if the
// change that asked for it was committed. Correctness rests on the
// database (a worker re-reads the rows and does nothing if the work is
// done), not on a job running exactly once: River runs a job at least
// once, and once more per crash that hit it.
//
// Timeouts (README gives them): a job may run for [JobTimeout]; a job
// whose instance died while running it (kill -9) is retried after
// [RescueStuckJobsAfter]. On SQLite the pool has one connection: a worker
// never holds a transaction across a network call.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

const (
	// JobTimeout is how long one run of a job may take.
	JobTimeout = time.Minute
	// RescueStuckJobsAfter is how long a job may stay running before River
	// takes it as abandoned (its instance died) and retries it.
	RescueStuckJobsAfter = 5 * time.Minute
)

// Job is a job's arguments; Kind names its worker.
type Job = river.JobArgs

// Enqueuer adds jobs. EnqueueTx adds one in tx: it runs once tx commits,
// and never if tx rolls back.
type Enqueuer interface {
	EnqueueTx(ctx context.Context, tx *sql.Tx, job Job) error
}

// Config is what the jobs need.
type Config struct {
	// DB is the pool (one connection on SQLite).
	DB *sql.DB
	// Logger receives River's logs.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Workers is how many jobs run at once; 0 means 4.
	Workers int
}

// Runner is the River client: it enqueues and works jobs.
type Runner struct {
	client *river.Client[*sql.Tx]
}

// Migrate creates or updates River's tables in db. Run it at start, after
// the server's own migration and under the same file lock.
func Migrate(ctx context.Context, db *sql.DB) error {
	m, err := rivermigrate.New(riversqlite.New(db), nil)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrating River's tables: %w", err)
	}
	return nil
}

// New returns a Runner with every worker of this package registered; it
// works nothing before Start.
func New(cfg Config) (*Runner, error) {
	if cfg.Workers == 0 {
		cfg.Workers = 4
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &deleteWorker{db: cfg.DB, now: now})
	rc := &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:              workers,
		Logger:               cfg.Logger,
		JobTimeout:           JobTimeout,
		RescueStuckJobsAfter: RescueStuckJobsAfter,
		FetchPollInterval:    time.Second,
		MaxAttempts:          25,
	}
	if cfg.Now != nil {
		rc.Test.Time = clock(cfg.Now)
	}
	c, err := river.NewClient(riversqlite.New(cfg.DB), rc)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return &Runner{client: c}, nil
}

// EnqueueTx implements [Enqueuer].
func (r *Runner) EnqueueTx(ctx context.Context, tx *sql.Tx, job Job) error {
	if _, err := r.client.InsertTx(ctx, tx, job, nil); err != nil {
		return fmt.Errorf("jobs: enqueuing %s: %w", job.Kind(), err)
	}
	return nil
}

// Start starts working jobs; they run until Stop.
func (r *Runner) Start(ctx context.Context) error {
	if err := r.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	return nil
}

// Stop stops fetching jobs and waits for the running ones until ctx ends;
// then it cancels them, and River retries them at the next start.
func (r *Runner) Stop(ctx context.Context) error {
	err := r.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		hard, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = r.client.StopAndCancel(hard)
	}
	return err
}

// Completed returns a channel of the kinds of jobs that complete, and a
// function that stops it; for tests and the metrics.
func (r *Runner) Completed() (<-chan string, func()) {
	events, cancel := r.client.Subscribe(river.EventKindJobCompleted)
	out := make(chan string, 16)
	go func() {
		defer close(out)
		for e := range events {
			out <- e.Job.Kind
		}
	}()
	return out, cancel
}

// clock adapts a clock function to River's TimeGenerator.
type clock func() time.Time

func (c clock) Now() time.Time       { return c() }
func (c clock) NowOrNil() *time.Time { t := c(); return &t }
