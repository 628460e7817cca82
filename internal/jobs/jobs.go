// Package jobs holds cuota's River job arguments and workers. Workers are
// registered once here and run on either store, because river.Workers does
// not depend on the database driver.
package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/cuota/cuota/internal/app"
)

// PruneIdempotencyArgs asks for stored Idempotency-Key responses older than
// 24 hours to be deleted.
type PruneIdempotencyArgs struct{}

// Kind implements river.JobArgs.
func (PruneIdempotencyArgs) Kind() string { return "prune_idempotency_keys" }

// PruneIdempotencyWorker deletes expired idempotency records.
type PruneIdempotencyWorker struct {
	river.WorkerDefaults[PruneIdempotencyArgs]
	App *app.App
}

// Work implements river.Worker.
func (w *PruneIdempotencyWorker) Work(ctx context.Context, _ *river.Job[PruneIdempotencyArgs]) error {
	if _, err := w.App.PruneIdempotencyKeys(ctx); err != nil {
		return fmt.Errorf("prune idempotency keys: %w", err)
	}
	return nil
}

// Workers returns every worker cuota runs.
func Workers(a *app.App) *river.Workers {
	w := river.NewWorkers()
	river.AddWorker(w, &PruneIdempotencyWorker{App: a})
	return w
}

// Periodic returns the periodic jobs; River runs each on its leader only.
func Periodic() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return PruneIdempotencyArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
